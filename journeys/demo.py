"""The demo's journey maps: two customer jobs of «Уютный дом», their touchpoints measured by the demo surveys.

Idempotent: personas and journeys by name, stages by order, touchpoints by code, pain points by text.
"""

from cxprogram.demo import DemoOptions
from cxprogram.models import Channel, Employee, Segment, Unit
from surveys.models import Question

from .models import Improvement, Journey, Persona, Stage, Touchpoint, TouchpointMeasure

PERSONAS = [
    ("Семья с детьми", ["families"], "Обставить дом так, чтобы всем было удобно, без лишних поездок.",
     "Доставка точно в срок, сборка в тот же день, понятные сроки.", "Ожидание курьера весь день, перенос сборки."),
    ("Новосёлы", ["new-homeowners"], "Быстро обставить новую квартиру целиком.",
     "Совет продавца, наличие в магазине, быстрая оплата.", "Очереди на кассе, товара нет в наличии."),
]  # fmt: skip

# (name, persona, stages); a stage is (name, touchpoints); a touchpoint is
# (code, name, channel, owner unit code, moment of truth, target, expected emotion, measured by (survey, question)).
JOURNEYS = [
    ("Получить заказ с доставкой домой", "Семья с детьми", [
        ("Оформить заказ", [
            ("order-online", "Заказ на сайте", Channel.WEB, "online", False, None, 1, None),
            ("delivery-booking", "Согласование доставки", Channel.PHONE, "contact-centre", False, 3.0, 0,
             ("delivery", "ces")),
        ]),
        ("Ждать доставку", [
            ("delivery-sms", "SMS с интервалом доставки", Channel.EMAIL, "delivery", False, None, 0, None),
            ("delivery-on-time", "Приезд в обещанный интервал", Channel.DELIVERY, "delivery", True, 75, 1,
             ("delivery", "on_time")),
        ]),
        ("Получить заказ", [
            ("delivery-courier", "Курьеры", Channel.DELIVERY, "delivery", False, 50, 1, ("delivery", "courier")),
            ("delivery", "Доставка в целом", Channel.DELIVERY, "delivery", True, 50, 1, ("delivery", "csat")),
        ]),
        ("Собрать мебель", [
            ("delivery-assembly", "Сборка", Channel.DELIVERY, "delivery", True, 60, 1, ("delivery", "assembly")),
        ]),
        ("Пользоваться и вернуться", [
            ("relationship", "Отношение к «Уютному дому»", Channel.EMAIL, "cosy-home", False, 20, 1,
             ("relationship", "nps")),
        ]),
    ]),
    ("Обставить комнату в магазине", "Новосёлы", [
        ("Выбрать магазин", [
            ("store-website", "Наличие на сайте", Channel.WEB, "online", False, None, 0, None),
        ]),
        ("Найти товар", [
            ("store-find", "Поиск товара в зале", Channel.STORE, None, False, 3.5, 0, ("store-visit", "ces")),
            ("store-advice", "Консультация продавца", Channel.STORE, None, True, 55, 2, ("store-visit", "advice")),
        ]),
        ("Оплатить", [
            ("store-checkout", "Оплата на кассе", Channel.STORE, None, False, 60, 0, ("store-visit", "checkout")),
            ("store-politeness", "Вежливость персонала", Channel.STORE, None, False, 75, 1, ("store-visit", "polite")),
        ]),
        ("Уйти с покупкой", [
            ("store-visit", "Визит в целом", Channel.STORE, None, True, 50, 1, ("store-visit", "csat")),
            ("store-recommend", "Готовность рекомендовать", Channel.STORE, None, False, 25, 1, ("store-visit", "nps")),
        ]),
        ("Вернуться снова", [
            ("store-return", "Повторная покупка", Channel.EMAIL, "cosy-home", False, 20, 1, ("relationship", "nps")),
        ]),
    ]),
]  # fmt: skip

# (touchpoint code, kind, description, status, value, effort, owner username)
IMPROVEMENTS = [
    ("store-checkout", Improvement.Kind.PAIN_POINT, "В часы пик работает одна касса, очередь до 15 минут.",
     Improvement.Status.IN_PROGRESS, 5, 2, "manager"),
    ("delivery-courier", Improvement.Kind.PAIN_POINT, "Курьеры не звонят за час до приезда.",
     Improvement.Status.OPEN, 4, 1, None),
    ("delivery-assembly", Improvement.Kind.PAIN_POINT, "Сборку переносят на другой день без предупреждения.",
     Improvement.Status.PLANNED, 5, 4, "lead"),
    ("store-website", Improvement.Kind.PAIN_POINT, "Наличие на сайте не совпадает с наличием в магазине.",
     Improvement.Status.OPEN, 4, 3, None),
    ("store-advice", Improvement.Kind.OPPORTUNITY, "Примерить шторы и текстиль в шоуруме с консультантом.",
     Improvement.Status.OPEN, 3, 2, "manager"),
    ("delivery-on-time", Improvement.Kind.OPPORTUNITY, "Показывать курьера на карте в реальном времени.",
     Improvement.Status.OPEN, 4, 5, None),
    ("store-find", Improvement.Kind.OPPORTUNITY, "Навигация по залу с номерами рядов в приложении.",
     Improvement.Status.OPEN, 2, 3, None),
]  # fmt: skip


def seed(options: DemoOptions) -> None:
    """Create or update the demo personas, two journeys with their touchpoints, measures and pain points."""
    personas = {name: _persona(name, *rest) for name, *rest in PERSONAS}
    lead = Employee.objects.filter(user__username="lead").first()
    outcome = Question.objects.filter(survey__public_id="relationship", code="nps").first()
    units = dict(Unit.objects.values_list("code", "pk"))
    measured = 0
    for name, persona, stages in JOURNEYS:
        journey, _ = Journey.objects.update_or_create(
            name=name, defaults={"persona": personas[persona], "owner": lead, "outcome_question": outcome}
        )
        for order, (stage_name, touchpoints) in enumerate(stages, start=1):
            stage, _ = Stage.objects.update_or_create(journey=journey, order=order, defaults={"name": stage_name})
            for position, (code, tp_name, channel, unit, moment, target, emotion, measure) in enumerate(touchpoints):
                touchpoint, _ = Touchpoint.objects.update_or_create(
                    code=code,
                    defaults={
                        "stage": stage, "order": position, "name": tp_name, "channel": channel,
                        "owner_unit_id": units.get(unit), "moment_of_truth": moment, "target": target,
                        "expected_emotion": emotion,
                    },
                )  # fmt: skip
                if measure:
                    question = Question.objects.filter(survey__public_id=measure[0], code=measure[1]).first()
                    if question is not None:
                        TouchpointMeasure.objects.get_or_create(touchpoint=touchpoint, question=question)
                        measured += 1
    people = {e.user.username: e for e in Employee.objects.filter(user__username__in=["lead", "manager"])}
    touchpoints = dict(Touchpoint.objects.values_list("code", "pk"))
    for code, kind, description, status, value, effort, owner in IMPROVEMENTS:
        Improvement.objects.update_or_create(
            touchpoint_id=touchpoints[code],
            description=description,
            defaults={"kind": kind, "status": status, "customer_value": value, "effort": effort,
                      "owner": people.get(owner)},
        )  # fmt: skip
    options.log(f"Journeys: {len(JOURNEYS)} maps, {measured} touchpoints measured by the demo surveys.")


def _persona(name: str, segments: list[str], goals: str, needs: str, pains: str) -> Persona:
    persona, _ = Persona.objects.update_or_create(name=name, defaults={"goals": goals, "needs": needs, "pains": pains})
    persona.segments.set(Segment.objects.filter(code__in=segments))
    return persona
