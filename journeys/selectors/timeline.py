"""Reads of the customer timeline: one customer's responses, scores, comments and cases in order, placed on the
journeys' stages."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from cxprogram.models import Customer
from cxprogram.selectors import Scope
from journeys.models import Journey, Stage, Touchpoint
from surveys.answer_labels import AnswerLine, answer_lines
from surveys.models import Answer, FollowUp, Question, Response, ThemeMention
from surveys.scoring import score_band
from surveys.selectors.metrics import (
    SCORE_TYPES,
)
from surveys.selectors.themes import with_theme


@dataclass(frozen=True)
class TimelineEntry:
    response: Response
    touchpoint: Touchpoint | None
    band: str
    scores: list[Answer]
    comments: list[Answer]
    followup: FollowUp | None
    answers: list[AnswerLine]  # every answer, question text and labelled value, in the reader's language


def customer_responses(customer: Customer, scope: Scope) -> QuerySet[Response]:
    """The customer's responses a person may see: CX leads all, managers their unit subtree, frontline employees
    the ones they served. Anonymous surveys never appear."""
    responses = Response.objects.filter(customer=customer, survey__anonymous=False)
    return responses if scope.is_lead else responses.filter(customer_responses_scope(scope))


def customers_visible(scope: Scope) -> QuerySet[Customer]:
    """Customers whose timeline a person may open: CX leads all; managers those of their units and those their
    units served; frontline employees the customers they served."""
    if scope.is_lead:
        return Customer.objects.all()
    served = Customer.objects.filter(pk__in=Response.objects.filter(customer_responses_scope(scope)).values("customer"))
    return served | scope.customers() if scope.is_manager else served


def customer_responses_scope(scope: Scope) -> Q:
    if scope.is_manager:
        return Q(unit__in=scope.units(), survey__anonymous=False)
    if scope.employee is not None:
        return Q(employee=scope.employee, survey__anonymous=False)
    return Q(pk__in=[])


def customer_timeline(customer: Customer, scope: Scope, *, theme: str = "", sentiment: str = "") -> list[TimelineEntry]:
    """One customer's responses, comments and follow-up cases in order, each placed on a journey touchpoint:
    the one whose code the response carries, else the first touchpoint its answers measure (5 queries); only
    those whose comments mention `theme` / carry `sentiment` when given."""
    responses = list(
        with_theme(customer_responses(customer, scope), theme=theme, sentiment=sentiment)
        .select_related("survey", "unit", "employee__user", "followup__owner__user")
        .prefetch_related(
            Prefetch(
                "answers",
                Answer.objects.select_related("question", "choice", "analysis").order_by(
                    "question__page", "question__order"
                ),
            ),
            Prefetch("answers__analysis__mentions", ThemeMention.objects.select_related("theme").order_by("start")),
        )
        .order_by("submitted_at", "pk")
    )
    codes = {r.touchpoint for r in responses if r.touchpoint}
    questions = {a.question_id for r in responses for a in r.answers.all()}
    touchpoints = Touchpoint.objects.filter(Q(code__in=codes) | Q(measures__question__in=questions)).distinct()
    by_code, by_question = {}, {}
    for touchpoint in touchpoints.select_related("stage__journey").prefetch_related("measures").order_by("pk"):
        by_code[touchpoint.code] = touchpoint
        for measure in touchpoint.measures.all():
            by_question.setdefault(measure.question_id, touchpoint)
    entries = []
    for response in responses:
        answers = list(response.answers.all())
        touchpoint = by_code.get(response.touchpoint) or next(
            (by_question[a.question_id] for a in answers if a.question_id in by_question), None
        )
        scores = [a for a in answers if a.question.type in SCORE_TYPES and a.number is not None]
        entries.append(
            TimelineEntry(
                response=response,
                touchpoint=touchpoint,
                band=score_band([a.question for a in scores], {a.question_id: a.number for a in scores}),
                scores=scores,
                comments=[a for a in answers if a.question.type in Question.TEXT_TYPES and a.text],
                followup=getattr(response, "followup", None),
                answers=answer_lines(answers),
            )
        )
    return entries


@dataclass(frozen=True)
class TimelineStage:
    stage: Stage
    entries: list[TimelineEntry]


def timeline_journeys(entries: list[TimelineEntry]) -> list[tuple[Journey, list[TimelineStage]]]:
    """The journeys a customer's timeline touches, each with all its stages and the entries placed on them."""
    journey_ids = {e.touchpoint.stage.journey_id for e in entries if e.touchpoint is not None}
    stages = Stage.objects.filter(journey__in=journey_ids).select_related("journey").order_by("journey__name", "order")
    placed: dict[int, list[TimelineEntry]] = {}
    for entry in entries:
        if entry.touchpoint is not None:
            placed.setdefault(entry.touchpoint.stage_id, []).append(entry)
    result: dict[int, tuple[Journey, list[TimelineStage]]] = {}
    for stage in stages:
        result.setdefault(stage.journey_id, (stage.journey, []))[1].append(
            TimelineStage(stage, placed.get(stage.pk, []))
        )
    return list(result.values())
