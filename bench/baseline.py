"""The floor of a hosted-survey submission's cost: the same middleware, CSRF and rows, nothing else.

GET answers a minimal page with a CSRF token (the CSRF middleware sets the cookie as on the real page).
POST inserts one Response and one Answer per answer row in one transaction (bulk_create) and redirects.
The question types are read once per process; there is no validation beyond turning numbers into ints.
"""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from surveys.models import Answer, Question, Response, Survey

_SURVEYS: dict[str, tuple[int, list[tuple[int, str]]]] = {}

PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>baseline</title></head><body>
<form method="post" action="{action}">
<input type="hidden" name="csrfmiddlewaretoken" value="{token}">
<input type="hidden" name="state" value="baseline">
<input type="hidden" name="lang" value="{lang}">
<button type="submit" name="next" value="1">Send</button>
</form></body></html>"""


def _survey(public_id: str) -> tuple[int, list[tuple[int, str]]]:
    if public_id not in _SURVEYS:
        survey = Survey.objects.filter(public_id=public_id).first()
        if survey is None:
            raise Http404
        _SURVEYS[public_id] = (
            survey.pk,
            list(survey.questions.order_by("page", "order", "id").values_list("pk", "type")),
        )
    return _SURVEYS[public_id]


def baseline_page(request: HttpRequest, public_id: str) -> HttpResponse:
    survey_id, questions = _survey(public_id)
    if request.method != "POST":
        page = PAGE.format(lang="ru", action=escape(request.get_full_path()), token=get_token(request))
        return HttpResponse(page)
    now = timezone.now()
    language = request.POST.get("lang", "ru")[:8]
    with transaction.atomic():
        response = Response.objects.create(
            survey_id=survey_id, language=language, source=Response.Source.PUBLIC_LINK, submitted_at=now
        )
        rows = []
        for question_id, qtype in questions:
            for value in request.POST.getlist(f"q{question_id}"):
                if value == "":
                    continue
                row = Answer(response=response, question_id=question_id, question_type=qtype)
                if qtype in Question.CHOICE_TYPES:
                    row.choice_id = int(value)
                elif qtype in Question.TEXT_TYPES:
                    row.text = value
                else:
                    row.number = int(value)
                rows.append(row)
        Answer.objects.bulk_create(rows)
    return HttpResponseRedirect(reverse("bench-baseline-done", args=[public_id]))


def baseline_done(request: HttpRequest, public_id: str) -> HttpResponse:
    return HttpResponse("Thank you.")
