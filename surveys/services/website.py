"""Writes of website feedback: a widget answer saved like any response, with the page it was given on."""

from django.db import transaction

from cxprogram.models import Channel
from surveys.links import ResponseContext
from surveys.models import Response, WebsitePage
from surveys.selectors.website import WidgetSurvey
from surveys.services.responses import response_submit


def website_answer_submit(
    *,
    widget: WidgetSurvey,
    helped: bool,
    comment: str,
    page_url: str,
    section: str,
    language: str,
    submission_key: str | None,
) -> Response:
    """Save a widget answer through `response_submit` (channel "web", source "widget"), so it enters results,
    themes and follow-up rules like any response, and file it under its page, in one transaction. A
    `submission_key` saved before raises AlreadyReceived and saves nothing."""
    answers: dict[int, object] = {widget.helped.pk: int(helped)}
    if comment and widget.comment_shown(helped):
        answers[widget.comment.pk] = comment
    with transaction.atomic():
        response = response_submit(
            survey=widget.survey,
            questions=widget.questions,
            answers=answers,
            language=language,
            source=Response.Source.WIDGET,
            context=ResponseContext(channel=Channel.WEB),
            submission_key=submission_key,
        )
        WebsitePage.objects.create(response=response, url=page_url, section=section)
    return response
