"""Demo surveys of the retailer and, with `--responses N`, months of believable responses (bulk inserts)."""

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from cxprogram.demo import DemoOptions
from cxprogram.models import Channel, Customer, Employee, Unit
from surveys.demo_replies import seed_reply_templates
from surveys.demo_text import seed_text
from surveys.demo_website import seed_website
from surveys.services.followups import business_due
from surveys.services.responses import anonymous_moment

from .demo_invitations import DEMO_DISTRIBUTION, demo_distribution
from .models import Answer, Choice, FollowUp, Question, Response, Survey
from .services.rollups_rebuild import rollups_rebuild

QT = Question.Type

# (public id, name, kind, anonymous, titles, intro, questions); a question is
# (code, page, type, text_en, text_ru, required, extra) where extra may hold choices, labels and a condition.
SURVEYS = [
    (
        "store-visit",
        "Store visit (transactional)",
        Survey.Kind.TRANSACTIONAL,
        False,
        ("Your visit to Cosy Home", "Ваш визит в «Уютный дом»"),
        ("Three short pages, about a minute.", "Три коротких страницы, около минуты."),
        [
            ("nps", 1, QT.NPS, "How likely are you to recommend Cosy Home to a friend or colleague?",
             "Насколько вероятно, что вы порекомендуете «Уютный дом» друзьям или коллегам?", True,
             {"labels": (("Not at all likely", "Совсем маловероятно"), ("Extremely likely", "Очень вероятно"))}),
            ("csat", 1, QT.CSAT, "How satisfied are you with today's visit?",
             "Насколько вы довольны сегодняшним визитом?", True,
             {"labels": (("Very dissatisfied", "Совсем не доволен"), ("Very satisfied", "Очень доволен"))}),
            ("improve", 2, QT.MULTIPLE, "What should we improve first?", "Что нам улучшить в первую очередь?", True,
             {"choices": [("Products in stock", "Наличие товара"), ("Queues at the till", "Очереди на кассе"),
                          ("Advice from staff", "Консультации продавцов"), ("Prices", "Цены"),
                          ("Cleanliness", "Чистота")],
              "show_if": ("nps", "lte", 6)}),
            ("ces", 2, QT.CES, "How much effort did it take to find what you needed?",
             "Сколько усилий потребовалось, чтобы найти нужное?", True,
             {"labels": (("Very little", "Совсем немного"), ("A great deal", "Очень много"))}),
            ("polite", 2, QT.YES_NO, "Were you served politely?", "Вас обслужили вежливо?", True, {}),
            ("advice", 2, QT.CSAT, "How satisfied are you with the advice from our staff?",
             "Насколько вы довольны консультацией продавцов?", False, {}),
            ("checkout", 2, QT.CSAT, "How satisfied are you with paying at the till?",
             "Насколько вы довольны оплатой на кассе?", False, {}),
            ("comment", 3, QT.LONG_TEXT, "What is the one thing we should do better?",
             "Что нам сделать лучше в первую очередь?", False, {}),
            ("contact_me", 3, QT.YES_NO, "May we contact you about your feedback?",
             "Можно ли связаться с вами по поводу отзыва?", False, {}),
        ],
    ),
    (
        "delivery",
        "Delivery and assembly (transactional)",
        Survey.Kind.TRANSACTIONAL,
        False,
        ("Your delivery", "Ваша доставка"),
        ("", ""),
        [
            ("csat", 1, QT.CSAT, "How satisfied are you with the delivery?", "Насколько вы довольны доставкой?",
             True, {}),
            ("on_time", 1, QT.YES_NO, "Did we arrive in the promised time slot?", "Мы приехали в обещанный интервал?",
             True, {}),
            ("ces", 1, QT.CES, "How much effort did it take to arrange the delivery?",
             "Сколько усилий потребовалось, чтобы договориться о доставке?", True, {}),
            ("courier", 1, QT.CSAT, "How satisfied are you with the couriers?", "Насколько вы довольны курьерами?",
             False, {}),
            ("assembly", 1, QT.CSAT, "How satisfied are you with the assembly?", "Насколько вы довольны сборкой?",
             False, {}),
            ("comment", 1, QT.LONG_TEXT, "Anything we should know?", "Что нам стоит знать?", False, {}),
        ],
    ),
    (
        "relationship",
        "Relationship NPS (quarterly)",
        Survey.Kind.RELATIONSHIP,
        False,
        ("Cosy Home and you", "«Уютный дом» и вы"),
        ("", ""),
        [
            ("nps", 1, QT.NPS, "How likely are you to recommend Cosy Home to a friend or colleague?",
             "Насколько вероятно, что вы порекомендуете «Уютный дом» друзьям или коллегам?", True, {}),
            ("frequency", 1, QT.SINGLE, "How often do you shop with us?", "Как часто вы у нас покупаете?", True,
             {"choices": [("Every week", "Каждую неделю"), ("Every month", "Каждый месяц"),
                          ("A few times a year", "Несколько раз в год"), ("Rarely", "Редко")]}),
            ("reason", 1, QT.LONG_TEXT, "What is the main reason for your score?", "Почему вы поставили такую оценку?",
             False, {}),
        ],
    ),
    (
        "pulse",
        "Employee pulse (monthly)",
        Survey.Kind.EMPLOYEE_PULSE,
        True,
        ("Employee pulse", "Пульс сотрудников"),
        ("Anonymous: answers are shown only for groups of 5 or more.",
         "Анонимно: ответы показываются только для групп от 5 человек."),
        [
            ("enps", 1, QT.NPS, "How likely are you to recommend Cosy Home as a place to work?",
             "Насколько вероятно, что вы порекомендуете «Уютный дом» как место работы?", True, {}),
            ("comment", 1, QT.LONG_TEXT, "What would make your work better?", "Что сделало бы вашу работу лучше?",
             False, {}),
        ],
    ),
]  # fmt: skip

THANKS = {
    "thank_you_en": "Thank you! Your answers go straight to the store team.",
    "thank_you_ru": "Спасибо! Ваши ответы сразу увидит команда магазина.",
    "thank_you_unhappy_en": "We are sorry we let you down. A manager will contact you today if you allowed it.",
    "thank_you_unhappy_ru": "Нам жаль, что мы вас подвели. Если вы разрешили, руководитель свяжется с вами сегодня.",
    "thank_you_happy_en": "Thank you! We are glad you liked it — tell your friends about us.",
    "thank_you_happy_ru": "Спасибо! Рады, что вам понравилось, — расскажите о нас друзьям.",
}

COMMENTS = {
    "unhappy": [
        ("ru", "Долго ждал на кассе, работала только одна касса."),
        ("ru", "Диван привезли с царапиной, сборщик опоздал на три часа."),
        ("ru", "Консультанта не найти, пришлось искать товар самой."),
        ("ru", "На сайте товар был в наличии, а в магазине — нет."),
        ("ru", "Цены на полке и на кассе разные, никто не смог объяснить."),
        ("en", "Nobody could tell me when the wardrobe would be back in stock."),
        ("en", "The delivery slot was missed and nobody called."),
    ],
    "neutral": [
        ("ru", "В целом нормально, но выбор текстиля небольшой."),
        ("ru", "Хорошо, но парковка всегда переполнена."),
        ("en", "Fine overall, the store could use clearer signs."),
    ],
    "happy": [
        ("ru", "Алиса помогла подобрать шторы, очень внимательная!"),
        ("ru", "Быстро, вежливо, всё нашла сама за десять минут."),
        ("ru", "Сборщики всё аккуратно собрали и убрали упаковку."),
        ("ru", "Борис на кассе — молодец, быстро оформил возврат."),
        ("en", "Great advice on the sofa, and delivery was right on time."),
        ("en", "Friendly staff and a tidy store."),
    ],
}


def seed(options: DemoOptions) -> None:
    """Create or update the demo surveys (live), then generate responses until there are `options.responses`."""
    surveys = [_survey(*definition) for definition in SURVEYS]
    options.log(f"Surveys: {len(surveys)} live demo surveys ({', '.join(s.public_id for s in surveys)}).")
    customer_surveys, pulse = surveys[:3], surveys[3]
    missing = options.responses - Response.objects.filter(survey__in=customer_surveys).count()
    if missing > 0:
        generate_responses(customer_surveys, missing)
    total = Response.objects.filter(survey__in=customer_surveys).count()
    options.log(f"Responses: {total} from customers ({max(missing, 0)} generated now).")
    invited = demo_distribution(customer_surveys[0])
    if invited:
        options.log(f"Distribution: {DEMO_DISTRIBUTION} ({invited} invitations, each about the customer's store).")
    if not pulse.responses.exists():
        generate_pulse(pulse)
    options.log(f"Employee pulse: {pulse.responses.count()} anonymous answers over three months.")
    seed_website(options.log)
    options.log(f"Rollups: {rollups_rebuild()} groups counted from the responses and answers.")
    opened = open_recent_cases(days=21)
    options.log(f"Follow-up cases: {FollowUp.objects.count()} ({opened} opened now for recent detractors).")
    options.log(f"Reply templates: {seed_reply_templates()} (per root cause, Russian and English).")
    seed_text(options.log)


def _survey(public_id, name, kind, anonymous, titles, intros, questions) -> Survey:
    survey, _ = Survey.objects.update_or_create(
        public_id=public_id,
        defaults={
            "name": name, "kind": kind, "status": Survey.Status.LIVE, "anonymous": anonymous,
            "title_en": titles[0], "title_ru": titles[1], "intro_en": intros[0], "intro_ru": intros[1], **THANKS,
        },
    )  # fmt: skip
    by_code = {}
    for order, (code, page, qtype, text_en, text_ru, required, extra) in enumerate(questions):
        labels = extra.get("labels", (("", ""), ("", "")))
        question, _ = Question.objects.update_or_create(
            survey=survey,
            code=code,
            defaults={
                "page": page, "order": order, "type": qtype, "text_en": text_en, "text_ru": text_ru,
                "required": required, "low_label_en": labels[0][0], "low_label_ru": labels[0][1],
                "high_label_en": labels[1][0], "high_label_ru": labels[1][1],
            },
        )  # fmt: skip
        for choice_order, (choice_en, choice_ru) in enumerate(extra.get("choices", [])):
            Choice.objects.update_or_create(
                question=question, order=choice_order, defaults={"text_en": choice_en, "text_ru": choice_ru}
            )
        if "show_if" in extra:
            source, operator, value = extra["show_if"]
            question.show_if_question = by_code[source]
            question.show_if_operator = operator
            question.show_if_value = value
            question.save(update_fields=["show_if_question", "show_if_operator", "show_if_value"])
        by_code[code] = question
    return survey


def generate_responses(surveys: list[Survey], count: int, batch: int = 5000) -> int:
    """Insert `count` responses spread over six months with answers that hang together (bulk inserts)."""
    rng = random.Random(count)
    customers = list(Customer.objects.values_list("pk", "language", "home_unit_id"))
    # Customers lean one way or another, so one customer's touchpoint scores and overall NPS go together.
    leaning = {pk: rng.choices(list(MOOD_WEIGHTS), weights=[25, 45, 30])[0] for pk, _lang, _unit in customers}
    frontline = {}
    for pk, unit_id in Employee.objects.filter(role=Employee.Role.FRONTLINE).values_list("pk", "unit_id"):
        frontline.setdefault(unit_id, []).append(pk)
    store_ids = list(Unit.objects.filter(kind__in=["store", "team"]).values_list("pk", flat=True))
    plans = [(s, list(s.questions.prefetch_related("choices"))) for s in surveys]
    now = timezone.now()
    created = 0
    while created < count:
        size = min(batch, count - created)
        responses, answer_plans = [], []
        for _ in range(size):
            survey, questions = rng.choices(plans, weights=[5, 3, 2][: len(plans)])[0]
            customer_id, language, home_unit = rng.choice(customers) if customers else (None, "ru", None)
            unit_id = home_unit or (rng.choice(store_ids) if store_ids else None)
            staff = frontline.get(unit_id)
            mood = rng.choices(MOODS, weights=MOOD_WEIGHTS[leaning.get(customer_id, "middle")])[0]
            responses.append(
                Response(
                    survey=survey, customer_id=customer_id, unit_id=unit_id,
                    employee_id=rng.choice(staff) if staff else None,
                    touchpoint=survey.public_id,
                    channel=Channel.DELIVERY if survey.public_id == "delivery" else Channel.STORE,
                    language=language, source=Response.Source.INVITATION,
                    submitted_at=now - timedelta(minutes=rng.randint(0, 60 * 24 * 182)),
                    duration_seconds=rng.randint(25, 240),
                )
            )  # fmt: skip
            answer_plans.append((questions, mood, language))
        Response.objects.bulk_create(responses, batch_size=batch)
        answers = []
        for response, (questions, mood, language) in zip(responses, answer_plans, strict=True):
            answers.extend(_answers(rng, response, questions, mood, language))
        Answer.objects.bulk_create(answers, batch_size=batch)
        created += size
    return created


MOODS = ["unhappy", "neutral", "happy"]
MOOD_WEIGHTS = {"critical": [75, 20, 5], "middle": [22, 23, 55], "loyal": [3, 10, 87]}
# Some moments go worse (or better) than the visit as a whole: a chance of moving the answer one mood down (or up).
MOOD_SHIFT = {"checkout": -0.4, "assembly": -0.3, "courier": -0.1, "advice": 0.15}
# How often an answer ignores the customer's mood: some moments depend on the day more than on the customer.
MOOD_NOISE = {"checkout": 0.05, "advice": 0.05, "assembly": 0.05, "ces": 0.5, "courier": 0.45}

PULSE_COMMENTS = [
    "Больше людей в смене по выходным.",
    "Хотелось бы обучения по новому ассортименту.",
    "Спасибо за гибкий график!",
    "Касс не хватает в часы пик, покупатели нервничают.",
]


def generate_pulse(survey: Survey, months: int = 3) -> int:
    """One anonymous pulse answer per employee (CX leads aside) in each of the last `months` finished calendar
    months: no customer, employee or exact time on it, only the unit and the Monday of its week, so eNPS shows
    for the regions and the company; stores of fewer than 5 people stay hidden, as they would in life."""
    rng = random.Random(7)
    enps, comment = survey.questions.get(code="enps"), survey.questions.get(code="comment")
    staff = list(
        Employee.objects.exclude(role=Employee.Role.CX_LEAD)
        .filter(user__is_active=True, integration=False)
        .values_list("unit_id", flat=True)
    )
    month = timezone.localdate().replace(day=1)
    responses, scores = [], []
    for _ in range(months):
        month = (month - timedelta(days=1)).replace(day=1)
        for unit_id in staff:
            day = month + timedelta(days=rng.randint(0, 20))
            responses.append(
                Response(
                    survey=survey, unit_id=unit_id, language="ru", source=Response.Source.PUBLIC_LINK, anonymous=True,
                    submitted_at=anonymous_moment(survey, timezone.make_aware(datetime.combine(day, time(12)))),
                )
            )  # fmt: skip
            scores.append(rng.choices([rng.randint(0, 6), rng.randint(7, 8), rng.randint(9, 10)], [25, 35, 40])[0])
    Response.objects.bulk_create(responses)
    answers = []
    for response, score in zip(responses, scores, strict=True):
        answers.append(Answer(response=response, question=enps, question_type=enps.type, number=score))
        if rng.random() < 0.3:
            answers.append(Answer(response=response, question=comment, question_type=comment.type,
                                  text=rng.choice(PULSE_COMMENTS)))  # fmt: skip
    Answer.objects.bulk_create(answers)
    return len(responses)


# How demo customers of each mood answer (the demo's data, not the band rule, which is surveys.scoring's: a
# "neutral" CES customer here answers 3 or 4, and 3 counts as easy). Changing it changes every seeded figure.
SCORES = {
    QT.NPS: {"unhappy": (0, 6), "neutral": (7, 8), "happy": (9, 10)},
    QT.CSAT: {"unhappy": (1, 2), "neutral": (3, 3), "happy": (4, 5)},
    QT.CES: {"unhappy": (5, 7), "neutral": (3, 4), "happy": (1, 2)},
}


def _answers(rng, response, questions, mood, language) -> list[Answer]:
    rows = []
    nps = None
    for question in questions:
        base = {"response": response, "question": question, "question_type": question.type}
        if question.type in SCORES:
            felt = _shifted(rng, mood, MOOD_SHIFT.get(question.code, 0.0))
            if rng.random() < MOOD_NOISE.get(question.code, 0.15):
                felt = rng.choice(MOODS)
            low, high = SCORES[question.type][felt]
            value = rng.randint(low, high)
            nps = value if question.type == QT.NPS and nps is None else nps
            rows.append(Answer(**base, number=value))
        elif question.type == QT.YES_NO:
            if question.required or rng.random() < 0.5:
                rows.append(Answer(**base, number=int(rng.random() < (0.35 if mood == "unhappy" else 0.9))))
        elif question.type == QT.MULTIPLE:
            if question.show_if_question_id and (nps is None or nps > 6):
                continue
            choices = list(question.choices.all())
            for choice in rng.sample(choices, k=min(len(choices), rng.randint(1, 2))):
                rows.append(Answer(**base, choice=choice))
        elif question.type == QT.SINGLE:
            rows.append(Answer(**base, choice=rng.choice(list(question.choices.all()))))
        elif question.type in Question.TEXT_TYPES and rng.random() < 0.45:
            bank = [text for lang, text in COMMENTS[mood] if lang == language] or [t for _l, t in COMMENTS[mood]]
            rows.append(Answer(**base, text=rng.choice(bank)))
    return rows


def _shifted(rng, mood: str, shift: float) -> str:
    """The mood moved one step down (negative shift) or up with probability |shift|."""
    if not shift or rng.random() >= abs(shift):
        return mood
    index = MOODS.index(mood) + (1 if shift > 0 else -1)
    return MOODS[min(max(index, 0), len(MOODS) - 1)]


ACTIONS = {
    FollowUp.RootCause.QUEUES: "Открыли вторую кассу в часы пик; извинились и дали скидку 10%.",
    FollowUp.RootCause.AVAILABILITY: "Заказали товар со склада, привезли бесплатно через два дня.",
    FollowUp.RootCause.DELIVERY: "Переназначили доставку на удобное время, сборка за наш счёт.",
    FollowUp.RootCause.ADVICE: "Провели консультацию по телефону, обучили смену ассортименту.",
    FollowUp.RootCause.PRICE: "Исправили ценники, вернули разницу в цене.",
}


def open_recent_cases(days: int) -> int:
    """Cases for the generated detractors of the last `days` days, most of them already worked (bulk inserts)."""
    rng = random.Random(days)
    since = timezone.now() - timedelta(days=days)
    detractors = (
        Answer.objects.filter(
            question_type=QT.NPS, number__lte=6, response__submitted_at__gte=since, response__followup__isnull=True
        )
        .exclude(response__survey__kind=Survey.Kind.EMPLOYEE_PULSE)
        .select_related("response__customer")
        .order_by("response_id")
    )
    managers = dict(Employee.objects.filter(role=Employee.Role.MANAGER).values_list("unit_id", "pk"))
    cases, now = [], timezone.now()
    for answer in detractors:
        response = answer.response
        opened = response.submitted_at
        due = business_due(opened)
        fate = rng.random()
        case = FollowUp(
            response=response, unit_id=response.unit_id, owner_id=managers.get(response.unit_id),
            reason_codes=[["nps", answer.number]], due_at=due,
            priority=round(60 * (1 - answer.number / 10)) + (40 if _is_high_value(response.customer) else 10),
        )  # fmt: skip
        if due < now and fate < 0.75:
            case.first_contact_at = opened + timedelta(minutes=rng.randint(20, 60 * 30))
            case.status = FollowUp.Status.CONTACTED
            if fate < 0.6:
                cause = rng.choice(list(ACTIONS))
                case.status, case.root_cause, case.action_taken = FollowUp.Status.RESOLVED, cause, ACTIONS[cause]
                case.resolved_at = case.first_contact_at + timedelta(hours=rng.randint(1, 48))
        cases.append(case)
    FollowUp.objects.bulk_create(cases, batch_size=2000)
    for case in cases:  # created_at is auto_now_add; the demo backdates it to when the answer came in
        case.created_at = case.response.submitted_at
    FollowUp.objects.bulk_update(cases, ["created_at"], batch_size=2000)
    return len(cases)


def _is_high_value(customer) -> bool:
    return customer is not None and customer.value_tier == "high"
