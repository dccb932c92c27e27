"""The demo's KPIs: store and employee KPIs of «Уютный дом» on the demo surveys, computed for the periods the
pages show; then the recognition demo (kpis/demo_recognition.py).

Idempotent: KPIs by code, hand-entered values by KPI, unit and period; measurements are recomputed in place.
"""

from datetime import timedelta

from django.utils import timezone

from cxprogram.demo import DemoOptions
from cxprogram.models import Employee, Unit
from journeys.models import Touchpoint
from surveys.models import Question

from .demo_recognition import seed as seed_recognition
from .models import Kpi, KpiManualValue
from .models.kpi import period_bounds
from .selectors.kpi import TREND_PERIODS
from .services.measurements import kpi_compute, periods_back

M, L, P = Kpi.Metric, Kpi.Level, Kpi.Period

# code: (name, (description in English, in Russian),
#        metric, level, period, target, warning, direction, min sample, employees can influence,
#        points, questions as (survey, code), touchpoint codes, outcome code)
KPIS = {
    "store-nps": ("NPS магазина", ("Customers recommend the store after a visit: the outcome the store's habits serve.",
                   "Покупатели рекомендуют магазин после визита: к этому ведут все привычки магазина."),
                  M.NPS, L.UNIT, P.MONTH, 40, 25, "higher", 20, True, 0, [("store-visit", "nps")], [], None),
    "advice-csat": ("Довольны моей консультацией", ("I listen first and help the customer choose what fits them.",
                   "Сначала выслушиваю, потом помогаю выбрать то, что подходит покупателю."),
                    M.CSAT, L.EMPLOYEE, P.MONTH, 80, 70, "higher", 8, True, 50, [("store-visit", "advice")], [],
                    "store-nps"),
    "polite-service": ("Вежливое обслуживание", ("Every customer is greeted and served politely.",
                   "Каждого покупателя приветствуют и обслуживают вежливо."),
                       M.YES_SHARE, L.UNIT, P.MONTH, 85, 75, "higher", 20, True, 20, [("store-visit", "polite")], [],
                       "store-nps"),
    "contacted-in-time": ("Связались с недовольными в срок", ("An unhappy customer hears from us the same day.",
                   "Недовольный покупатель слышит нас в тот же день."),
                          M.CONTACTED_IN_TIME, L.EMPLOYEE, P.MONTH, 80, 60, "higher", 3, True, 30, [], [],
                          "store-nps"),
    "find-effort": ("Усилия, чтобы найти товар", ("Clear signs and staff nearby: customers find things easily.",
                   "Понятные указатели и сотрудник рядом: покупатели легко находят товар."),
                    M.CES, L.UNIT, P.MONTH, 3.0, 3.5, "lower", 20, True, 0, [("store-visit", "ces")], [],
                    "store-nps"),
    "delivery-on-time": ("Доставка в обещанный интервал", ("We arrive in the slot we promised.",
                   "Приезжаем в обещанный интервал."),
                         M.YES_SHARE, L.UNIT, P.MONTH, 80, 70, "higher", 20, True, 0, [], ["delivery-on-time"], None),
    "store-responses": ("Отзывы покупателей", ("We ask every customer for feedback after a visit.",
                   "Просим каждого покупателя оставить отзыв после визита."),
                        M.RESPONSE_COUNT, L.UNIT, P.MONTH, 40, 25, "higher", 1, False, 0, [("store-visit", "nps")],
                        [], None),
    "mystery-shopper": ("Тайный покупатель", ("Standards of service as checked by a mystery shopper each quarter.",
                   "Стандарты обслуживания по проверке тайного покупателя раз в квартал."),
                        M.MANUAL, L.UNIT, P.QUARTER, 85, 75, "higher", 1, True, 0, [], [], None),
    "company-nps": ("NPS компании", ("How customers feel about Cosy Home as a whole.",
                   "Как покупатели относятся к «Уютному дому» в целом."),
                    M.NPS, L.COMPANY, P.QUARTER, 30, 20, "higher", 30, False, 0, [("relationship", "nps")], [], None),
}  # fmt: skip
MYSTERY_SCORES = {"msk-tverskaya": (82, 88), "msk-leninsky": (74, 79), "spb-nevsky": (90, 86), "kzn-baumana": (77, 84)}


def seed(options: DemoOptions) -> None:
    """Create or update the demo KPIs, a few hand-entered values, and compute every KPI for the periods shown."""
    kpis = {}
    for code, (name, description, metric, level, period, target, warning, direction, minimum, influence, points,
               questions, touchpoints, _outcome) in KPIS.items():  # fmt: skip
        kpi, _ = Kpi.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "description_en": description[0], "description_ru": description[1],
                "metric": metric, "level": level, "period": period,
                "target": target, "warning": warning, "direction": direction, "min_sample": minimum,
                "employee_influence": influence, "points": points, "active": True,
            },
        )  # fmt: skip
        chosen = [Question.objects.filter(survey__public_id=s, code=c).first() for s, c in questions]
        kpi.questions.set([q for q in chosen if q is not None])
        kpi.touchpoints.set(Touchpoint.objects.filter(code__in=touchpoints))
        kpis[code] = kpi
    for code, definition in KPIS.items():
        outcome = kpis.get(definition[-1]) if definition[-1] else None
        if kpis[code].outcome_id != (outcome.pk if outcome else None):
            kpis[code].outcome = outcome
            kpis[code].save(update_fields=["outcome"])

    _mystery_shopper(kpis["mystery-shopper"])
    today = timezone.localdate()
    written = 0
    for kpi in Kpi.objects.active().filter(code__in=KPIS).prefetch_related("questions", "touchpoints"):
        start = periods_back(kpi.period, today, TREND_PERIODS[kpi.period])
        written += kpi_compute(kpi=kpi, date_from=start, date_to=today).total
    options.log(f"KPIs: {len(kpis)} definitions, {written} measurements computed.")

    seed_recognition(options)


def _mystery_shopper(kpi: Kpi) -> None:
    """The last two quarters' mystery-shopper scores of four stores, as their managers would enter them."""
    this_quarter = period_bounds(kpi.period, timezone.localdate())[0]
    last_quarter = period_bounds(kpi.period, this_quarter - timedelta(days=1))[0]
    units = Unit.objects.in_bulk(list(MYSTERY_SCORES), field_name="code")
    managers = {e.unit_id: e for e in Employee.objects.filter(role=Employee.Role.MANAGER, unit__in=units.values())}
    for code, scores in MYSTERY_SCORES.items():
        unit = units.get(code)
        if unit is None:
            continue
        for period_start, score in zip((last_quarter, this_quarter), scores, strict=True):
            KpiManualValue.objects.update_or_create(
                kpi=kpi,
                unit=unit,
                period_start=period_start,
                defaults={"value": score, "entered_by": managers.get(unit.pk), "note": "Визит тайного покупателя"},
            )
