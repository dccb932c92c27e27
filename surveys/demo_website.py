"""Demo website feedback: the help centre's "Did this page help you?" survey, the sites allowed to show it, and
answers over a few help pages, so that the results per page have something to show."""

import random
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from cxprogram.models import Channel
from surveys.models import Answer, Question, Response, Survey, WebsitePage, WidgetOrigin

PUBLIC_ID = "help-centre"
HELP_SITE = "https://help.cosy-home.example"
# A page of your own on this machine can try the widget: `python -m http.server 8080 -d docs/widget-demo`.
ORIGINS = [HELP_SITE, "http://localhost:8080", "http://127.0.0.1:8080"]

# (path, section, answers, share that helped)
PAGES = [
    ("/delivery/tracking", "delivery", 64, 0.42),
    ("/returns/how-to-return", "returns", 52, 0.58),
    ("/payment/installments", "payment", 41, 0.8),
    ("/delivery/assembly", "delivery", 36, 0.89),
    ("/account/reset-password", "account", 14, 0.36),
    ("/", "", 9, 0.67),
]
COMMENTS = {
    0: [
        ("ru", "Не нашёл, где посмотреть номер заказа для отслеживания."),
        ("ru", "Статус доставки не обновляется уже три дня, а тут об этом ни слова."),
        ("ru", "Непонятно, можно ли вернуть товар без чека."),
        ("en", "The page does not say how long a refund takes."),
        ("en", "Tracking link from the e-mail leads to an error."),
    ],
    1: [
        ("ru", "Всё понятно, спасибо!"),
        ("ru", "Помогла таблица со сроками."),
        ("en", "Clear steps, found what I needed."),
    ],
}


def seed_website(log: Callable[[str], None] = print) -> None:
    """Create the help-centre survey (live) with its allowed sites, and its answers once."""
    survey, _ = Survey.objects.update_or_create(
        public_id=PUBLIC_ID,
        defaults={
            "name": "Help centre: did this page help?", "kind": Survey.Kind.TRANSACTIONAL, "status": Survey.Status.LIVE,
            "title_en": "Help centre pages", "title_ru": "Страницы справочного центра",
            "followup_keywords": "жалоба, обман, complaint",
        },
    )  # fmt: skip
    helped, _ = Question.objects.update_or_create(
        survey=survey, code="helped",
        defaults={"type": Question.Type.YES_NO, "order": 0, "text_en": "Did this page help you?",
                  "text_ru": "Эта страница вам помогла?"},
    )  # fmt: skip
    why, _ = Question.objects.update_or_create(
        survey=survey, code="why",
        defaults={"type": Question.Type.LONG_TEXT, "order": 1, "required": False, "max_length": 1000,
                  "text_en": "What was missing or unclear?", "text_ru": "Чего не хватило, что было непонятно?"},
    )  # fmt: skip
    for origin in ORIGINS:
        WidgetOrigin.objects.get_or_create(survey=survey, origin=origin)
    if not survey.responses.exists():
        _answers(survey, helped, why)
    log(
        f"Website feedback: survey {PUBLIC_ID} on {', '.join(ORIGINS)}; "
        f"{survey.responses.count()} answers over {len(PAGES)} help pages."
    )


def _answers(survey: Survey, helped: Question, why: Question) -> None:
    rng = random.Random(20)  # noqa: S311  # nosec B311  # demo data, not security
    now = timezone.now()
    plan = []
    for path, section, count, share in PAGES:
        yes = round(count * share)
        plan += [(path, section, int(n < yes)) for n in range(count)]
    rng.shuffle(plan)
    commented = [rng.choice(COMMENTS[said]) if rng.random() < (0.5 if said == 0 else 0.15) else None
                 for _path, _section, said in plan]  # fmt: skip
    responses = Response.objects.bulk_create(
        Response(
            survey=survey,
            channel=Channel.WEB,
            language=comment[0] if comment else ("ru" if rng.random() < 0.8 else "en"),
            source=Response.Source.WIDGET,
            submitted_at=now - timedelta(minutes=rng.randint(5, 60 * 24 * 60)),
        )
        for comment in commented
    )
    answers, pages = [], []
    for response, (path, section, said), comment in zip(responses, plan, commented, strict=True):
        answers.append(Answer(response=response, question=helped, question_type=helped.type, number=said))
        if comment:
            answers.append(Answer(response=response, question=why, question_type=why.type, text=comment[1]))
        pages.append(WebsitePage(response=response, url=HELP_SITE + path, section=section))
    Answer.objects.bulk_create(answers)
    WebsitePage.objects.bulk_create(pages)
