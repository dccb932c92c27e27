"""The demo's recognition: «Уютный дом»'s company values, peer recognitions around the demo store (alice receives
several, some private), and customers' praise passed on by the store manager.

Idempotent: values by code, recognitions by giver, receiver and message; praise is passed on only until the
store has three such recognitions.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cxprogram.demo import DemoOptions
from cxprogram.models import Employee, Unit

from .models import CompanyValue, PointEntry, Recognition
from .selectors.recognition import recognition_suggestions
from .services.recognition import recognition_from_suggestion

DEMO_STORE = "msk-tverskaya"
# code: (English name, Russian name, English description, Russian description)
VALUES = {
    "care": ("Customer care", "Забота о клиенте", "We treat every customer as a guest in our home.",
             "Относимся к каждому покупателю как к гостю в своём доме."),
    "team": ("Teamwork", "Работаем в команде", "We help each other without being asked.",
             "Помогаем друг другу, не дожидаясь просьбы."),
    "ownership": ("Ownership", "Доводим дело до конца", "A customer's problem is ours until it is solved.",
                  "Проблема покупателя — наша, пока она не решена."),
    "honesty": ("Honesty", "Честно и открыто", "We say how things are, even when it is not what people hope.",
                "Говорим как есть, даже когда это не то, что хотят услышать."),
    "improve": ("Better every day", "Делаем лучше каждый день", "We try small improvements and share what works.",
                "Пробуем небольшие улучшения и делимся тем, что работает."),
}  # fmt: skip
# (giver, receiver, value, visibility, points, days ago, message)
PEER = [
    ("dmitry", "alice", "care", "company", 20, 2,
     "Алиса осталась после смены, чтобы помочь покупательнице подобрать шторы под цвет дивана."),
    ("bob", "alice", "team", "company", 10, 5, "Подменила меня на кассе в час пик — без неё была бы очередь до двери."),
    ("manager", "alice", "care", "unit", 30, 9, "Лучшие оценки консультаций в магазине за месяц. Так держать!"),
    ("dmitry", "alice", "team", "private", 10, 14, "Спасибо, что поддержала меня в трудный день."),
    ("maria", "alice", "improve", "company", 15, 20, "Поделилась с Ленинским своей схемой выкладки текстиля."),
    ("alice", "bob", "ownership", "company", 15, 3, "Борис разобрал сложный возврат и сам перезвонил покупателю."),
    ("alice", "dmitry", "care", "unit", 10, 7, "Дмитрий дождался с пожилой покупательницей её такси."),
    ("manager", "bob", "honesty", "private", 20, 11,
     "Честно назвал покупателю реальные сроки поставки — и тот всё равно купил у нас."),
    ("moscow.head", "manager", "team", "company", 25, 16, "Марина устроила обмен опытом между магазинами Москвы."),
    ("polina", "roman", "ownership", "company", 10, 4, "Роман сам позвонил покупателю, когда доставка задержалась."),
    ("victor", "daria", "improve", "company", 10, 12, "Дарья придумала памятку по сборке шкафов для покупателей."),
    ("dmitry", "bob", "team", "private", 5, 1, "Спасибо, что вышел за меня в субботу."),
    ("vera", "polina", "care", "unit", 10, 6, "Полина за один звонок решила вопрос с заказом постоянного клиента."),
]  # fmt: skip
PRAISE_PASSED_ON = 3


def seed(options: DemoOptions) -> None:
    """Create or update the company values and the demo recognitions, then pass on a few customers' praise."""
    values = {}
    for order, (code, (name_en, name_ru, description_en, description_ru)) in enumerate(VALUES.items()):
        values[code], _ = CompanyValue.objects.update_or_create(
            code=code,
            defaults={
                "name_en": name_en, "name_ru": name_ru, "description_en": description_en,
                "description_ru": description_ru, "order": order, "active": True,
            },
        )  # fmt: skip
    people = {e.user.username: e for e in Employee.objects.select_related("user").filter(user__username__in=_names())}
    now = timezone.now()
    created = 0
    for giver, receiver, value, visibility, points, days_ago, message in PEER:
        if giver not in people or receiver not in people:
            continue
        created += _peer(
            people[giver], people[receiver], values[value], visibility, points, now - timedelta(days_ago), message
        )
    passed_on = _pass_on_praise()
    options.log(
        f"Recognition: {len(values)} company values, {Recognition.objects.count()} recognitions "
        f"({created} peer and {passed_on} customer praise added now)."
    )


def _names() -> set[str]:
    return {name for giver, receiver, *_rest in PEER for name in (giver, receiver)}


@transaction.atomic
def _peer(giver, receiver, value, visibility, points, when, message) -> int:
    recognition, created = Recognition.objects.get_or_create(
        giver=giver,
        receiver=receiver,
        message=message,
        defaults={
            "source": Recognition.Source.PEER, "unit_id": receiver.unit_id, "value": value, "visibility": visibility,
            "points": points, "created_at": when,
        },
    )  # fmt: skip
    if created and points:
        PointEntry.objects.create(
            employee=receiver, amount=points, recognition=recognition, reason=f"Recognised by {giver}", created_at=when
        )
    return int(created)


def _pass_on_praise() -> int:
    """The demo store's manager passes on customers' praise, named employees first, up to PRAISE_PASSED_ON."""
    store = Unit.objects.filter(code=DEMO_STORE).first()
    manager = Employee.objects.filter(user__username="manager").first()
    if store is None or manager is None:
        return 0
    passed = Recognition.objects.filter(source=Recognition.Source.CUSTOMER_PRAISE, unit=store).count()
    missing = max(0, PRAISE_PASSED_ON - passed)
    sent = 0
    for suggestion in recognition_suggestions(store, limit=missing) if missing else []:
        if suggestion.employee.pk != manager.pk:
            recognition_from_suggestion(manager=manager, answer_id=suggestion.answer_id)
            sent += 1
    return sent
