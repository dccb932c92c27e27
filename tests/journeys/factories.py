"""Journey factories and a helper that records a response with its context and date."""

from datetime import datetime

import factory
from django.utils import timezone

from journeys.models import Journey, Stage, Touchpoint, TouchpointMeasure
from surveys.links import ResponseContext
from surveys.models import Question, Response
from surveys.services.responses import response_submit
from surveys.services.rollups_rebuild import rollups_rebuild


class JourneyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Journey

    name = factory.Sequence(lambda n: f"Get my order {n}")


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    journey = factory.SubFactory(JourneyFactory)
    order = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"Stage {n}")


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    stage = factory.SubFactory(StageFactory)
    code = factory.Sequence(lambda n: f"tp-{n}")
    name = factory.Sequence(lambda n: f"Touchpoint {n}")
    channel = "store"


def measured_by(touchpoint: Touchpoint, *questions: Question, tagged_only: bool = False) -> Touchpoint:
    for question in questions:
        TouchpointMeasure.objects.create(touchpoint=touchpoint, question=question, tagged_only=tagged_only)
    return touchpoint


def respond(
    answers: dict[Question, object],
    *,
    customer=None,
    unit=None,
    employee=None,
    touchpoint: str = "",
    at: datetime | None = None,
) -> Response:
    """One response to the questions' survey, submitted through the service, then dated `at` if given."""
    questions = list(answers)
    response = response_submit(
        survey=questions[0].survey,
        questions=questions,
        answers={q.pk: value for q, value in answers.items()},
        language="en",
        source="api",
        customer=customer,
        context=ResponseContext(unit=unit, employee=employee, touchpoint=touchpoint),
    )
    if at is not None:
        Response.objects.filter(pk=response.pk).update(submitted_at=at)
        rollups_rebuild(survey=response.survey)  # moved in time behind the services' back: recount
    return response


def day(year: int, month: int, day_: int) -> datetime:
    return timezone.make_aware(datetime(year, month, day_, 12, 0))
