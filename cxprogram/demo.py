"""The demo organisation: a home-goods retailer with regions, stores, teams, people and customers.

Deterministic (a seeded random generator) and idempotent: every record has a natural key and is
inserted or updated by it, so running the seed again changes nothing but passwords.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.hashers import make_password

from .models import Customer, Employee, Segment, Unit
from .services import CUSTOMER_COLUMNS, customer_upsert_many, cx_lead_group_sync, employee_upsert


@dataclass
class DemoOptions:
    password: str = "demo"  # noqa: S105 - the documented demo password
    customers: int = 2400
    responses: int = 0
    log: Callable[[str], None] = print
    created: dict = field(default_factory=dict)


COMPANY = ("cosy-home", "Уютный дом")
REGIONS = [("moscow", "Москва"), ("spb", "Санкт-Петербург"), ("volga", "Поволжье")]
STORES = [
    ("msk-tverskaya", "Москва — Тверская", "moscow"),
    ("msk-leninsky", "Москва — Ленинский проспект", "moscow"),
    ("msk-khimki", "Химки — МЕГА", "moscow"),
    ("spb-nevsky", "Санкт-Петербург — Невский", "spb"),
    ("spb-ozerki", "Санкт-Петербург — Озерки", "spb"),
    ("kzn-baumana", "Казань — Баумана", "volga"),
    ("sam-moskovskoe", "Самара — Московское шоссе", "volga"),
    ("nn-nebo", "Нижний Новгород — Небо", "volga"),
]
TEAMS = [("contact-centre", "Контакт-центр"), ("delivery", "Доставка"), ("online", "Интернет-магазин")]
SEGMENTS = [
    ("families", "Семьи с детьми", "Shop for a growing household; value reliability and delivery on time."),
    ("young-professionals", "Молодые профессионалы", "Busy, mobile-first, buy online and expect speed."),
    ("new-homeowners", "Новосёлы", "Furnish a new home in a few big baskets; need advice and assembly."),
    ("seniors", "Старшее поколение", "Prefer the store and the phone; value patient, personal service."),
    ("small-business", "Малый бизнес", "Cafés and offices buying in bulk; expect invoices and a named contact."),
]
# The four demo users of DESIGN.md, then the rest of the staff: (username, first, last, role, unit, title).
PEOPLE = [
    ("lead", "Елена", "Лебедева", Employee.Role.CX_LEAD, "cosy-home", "Руководитель клиентского опыта"),
    ("manager", "Марина", "Кузнецова", Employee.Role.MANAGER, "msk-tverskaya", "Директор магазина"),
    ("alice", "Алиса", "Иванова", Employee.Role.FRONTLINE, "msk-tverskaya", "Консультант"),
    ("bob", "Борис", "Петров", Employee.Role.FRONTLINE, "msk-tverskaya", "Кассир"),
    ("dmitry", "Дмитрий", "Орлов", Employee.Role.FRONTLINE, "msk-tverskaya", "Консультант"),
    ("cx.analyst", "Ольга", "Соколова", Employee.Role.CX_LEAD, "cosy-home", "Аналитик клиентского опыта"),
    ("moscow.head", "Андрей", "Волков", Employee.Role.MANAGER, "moscow", "Региональный директор"),
    ("spb.head", "Наталья", "Морозова", Employee.Role.MANAGER, "spb", "Региональный директор"),
    ("volga.head", "Рустам", "Галиев", Employee.Role.MANAGER, "volga", "Региональный директор"),
    ("leninsky.mgr", "Игорь", "Новиков", Employee.Role.MANAGER, "msk-leninsky", "Директор магазина"),
    ("khimki.mgr", "Светлана", "Павлова", Employee.Role.MANAGER, "msk-khimki", "Директор магазина"),
    ("nevsky.mgr", "Павел", "Фёдоров", Employee.Role.MANAGER, "spb-nevsky", "Директор магазина"),
    ("ozerki.mgr", "Татьяна", "Никитина", Employee.Role.MANAGER, "spb-ozerki", "Директор магазина"),
    ("kazan.mgr", "Айдар", "Хасанов", Employee.Role.MANAGER, "kzn-baumana", "Директор магазина"),
    ("samara.mgr", "Юлия", "Зайцева", Employee.Role.MANAGER, "sam-moskovskoe", "Директор магазина"),
    ("nn.mgr", "Максим", "Белов", Employee.Role.MANAGER, "nn-nebo", "Директор магазина"),
    ("callcentre.mgr", "Ирина", "Козлова", Employee.Role.MANAGER, "contact-centre", "Руководитель контакт-центра"),
    ("delivery.mgr", "Сергей", "Егоров", Employee.Role.MANAGER, "delivery", "Руководитель доставки"),
    ("online.mgr", "Кирилл", "Степанов", Employee.Role.MANAGER, "online", "Руководитель интернет-магазина"),
    ("maria", "Мария", "Васильева", Employee.Role.FRONTLINE, "msk-leninsky", "Консультант"),
    ("oleg", "Олег", "Смирнов", Employee.Role.FRONTLINE, "msk-leninsky", "Кассир"),
    ("anna", "Анна", "Попова", Employee.Role.FRONTLINE, "msk-khimki", "Консультант"),
    ("victor", "Виктор", "Лебедев", Employee.Role.FRONTLINE, "spb-nevsky", "Консультант"),
    ("daria", "Дарья", "Ковалёва", Employee.Role.FRONTLINE, "spb-ozerki", "Консультант"),
    ("timur", "Тимур", "Сафин", Employee.Role.FRONTLINE, "kzn-baumana", "Консультант"),
    ("ksenia", "Ксения", "Фролова", Employee.Role.FRONTLINE, "sam-moskovskoe", "Консультант"),
    ("nikita", "Никита", "Гусев", Employee.Role.FRONTLINE, "nn-nebo", "Консультант"),
    ("polina", "Полина", "Денисова", Employee.Role.FRONTLINE, "contact-centre", "Оператор"),
    ("artem", "Артём", "Медведев", Employee.Role.FRONTLINE, "contact-centre", "Оператор"),
    ("roman", "Роман", "Тарасов", Employee.Role.FRONTLINE, "delivery", "Водитель-экспедитор"),
    ("egor", "Егор", "Киселев", Employee.Role.FRONTLINE, "delivery", "Сборщик мебели"),
    ("vera", "Вера", "Андреева", Employee.Role.FRONTLINE, "online", "Менеджер заказов"),
]
FIRST_NAMES = [
    ("Александр", "aleksandr"),
    ("Екатерина", "ekaterina"),
    ("Михаил", "mikhail"),
    ("Анастасия", "anastasia"),
    ("Иван", "ivan"),
    ("Ольга", "olga"),
    ("Денис", "denis"),
    ("Людмила", "lyudmila"),
    ("Григорий", "grigory"),
    ("Софья", "sofya"),
    ("Алексей", "aleksey"),
    ("Валентина", "valentina"),
    ("Николай", "nikolay"),
    ("Елизавета", "elizaveta"),
    ("Владимир", "vladimir"),
    ("Дарья", "darya"),
    ("James", "james"),
    ("Emma", "emma"),
    ("Lukas", "lukas"),
    ("Chen", "chen"),
]
LAST_NAMES = [
    ("Соловьёв", "solovyov"),
    ("Громов", "gromov"),
    ("Виноградов", "vinogradov"),
    ("Богданов", "bogdanov"),
    ("Воробьёв", "vorobyov"),
    ("Комаров", "komarov"),
    ("Жуков", "zhukov"),
    ("Макаров", "makarov"),
    ("Ершов", "ershov"),
    ("Калинин", "kalinin"),
    ("Яковлев", "yakovlev"),
    ("Широков", "shirokov"),
    ("Smith", "smith"),
    ("Müller", "mueller"),
    ("Wang", "wang"),
]
FEMININE = {"Екатерина", "Анастасия", "Ольга", "Людмила", "Софья", "Валентина", "Елизавета", "Дарья"}
TIER_WEIGHTS = [(Customer.ValueTier.HIGH, 15), (Customer.ValueTier.MEDIUM, 45), (Customer.ValueTier.LOW, 40)]
SEGMENT_WEIGHTS = [30, 22, 14, 20, 8, 6]  # the last weight: customers with no segment yet


def seed(options: DemoOptions) -> None:
    """Create or update the demo organisation."""
    company, _ = Unit.objects.update_or_create(
        code=COMPANY[0], defaults={"name": COMPANY[1], "kind": Unit.Kind.COMPANY, "parent": None}
    )
    units = {company.code: company}
    for code, name in REGIONS:
        units[code], _ = Unit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": Unit.Kind.REGION, "parent": company}
        )
    for code, name, region in STORES:
        units[code], _ = Unit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": Unit.Kind.STORE, "parent": units[region]}
        )
    for code, name in TEAMS:
        units[code], _ = Unit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": Unit.Kind.TEAM, "parent": company}
        )
    segments = []
    for code, name, description in SEGMENTS:
        segment, _ = Segment.objects.update_or_create(code=code, defaults={"name": name, "description": description})
        segments.append(segment)

    cx_lead_group_sync()
    password_hash = make_password(options.password)  # hashed once: the demo users share it
    for username, first, last, role, unit_code, title in PEOPLE:
        employee_upsert(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            unit=units[unit_code],
            title=title,
            email=f"{username}@cosy-home.example",
            password_hash=password_hash,
        )

    created, updated = customer_upsert_many(
        rows=demo_customers(options.customers, segments, units), fields=CUSTOMER_FIELDS
    )
    options.created.update(
        units=len(units),
        segments=len(segments),
        employees=len(PEOPLE),
        customers_created=created,
        customers_updated=updated,
    )
    options.log(
        f"Organisation: {len(units)} units, {len(segments)} segments, {len(PEOPLE)} employees, "
        f"{options.customers} customers ({created} new)."
    )


# Every column the CSV import knows, plus the opt-out moment, so a second run rewrites the same values.
CUSTOMER_FIELDS = [*CUSTOMER_COLUMNS[1:], "opted_out_at"]


def demo_customers(count: int, segments: list[Segment], units: dict[str, Unit]) -> list[dict]:
    """`count` believable customers, the same ones on every run."""
    rng = random.Random(20261123)
    homes = [units[code] for code, _name, _region in STORES] + [units["online"]]
    home_weights = [14, 10, 12, 12, 8, 9, 7, 8, 20]
    rows = []
    for n in range(1, count + 1):
        first, first_latin = rng.choice(FIRST_NAMES)
        last, last_latin = rng.choice(LAST_NAMES)
        if first in FEMININE and last.endswith(("ов", "ёв", "ев", "ин")):
            last += "а"
        english = first_latin in {"james", "emma", "lukas", "chen"}
        segment = rng.choices([*segments, None], weights=SEGMENT_WEIGHTS)[0]
        tier = rng.choices([t for t, _w in TIER_WEIGHTS], weights=[w for _t, w in TIER_WEIGHTS])[0]
        opted_out = rng.random() < 0.03
        phone = f"+7 9{rng.randint(10, 99)} {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"
        rows.append(
            {
                "external_id": f"C{n:06d}",
                "name": f"{first} {last}",
                "email": f"{first_latin}.{last_latin}.{n}@example.com" if rng.random() < 0.9 else "",
                "phone": phone,
                "language": "en" if english or rng.random() < 0.08 else "ru",
                "segment": segment,
                "value_tier": tier,
                "home_unit": rng.choices(homes, weights=home_weights)[0],
                "consent": rng.random() < 0.95,
                "opted_out_at": DEMO_OPT_OUT_AT if opted_out else None,
            }
        )
    return rows


# A fixed moment keeps the seed idempotent: a second run writes the same values.
DEMO_OPT_OUT_AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
