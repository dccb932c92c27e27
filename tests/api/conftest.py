"""API fixtures: a token client per person, and a small program (surveys, responses, cases, invitations) on top
of the `org` fixture, with one record inside and one outside each manager's units."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.links import ResponseContext
from surveys.models import FollowUp, Invitation, Question, Survey
from surveys.services.responses import response_submit
from tests.cxprogram.factories import SegmentFactory
from tests.surveys.factories import ChoiceFactory, QuestionFactory, SurveyFactory

QT = Question.Type
ROLES = ["anonymous", "alice", "bob", "store_manager", "south_manager", "lead"]


@pytest.fixture
def api(org):
    """api(name) → a client authenticated with that person's token; api("anonymous") → no credentials."""

    def client_for(name: str) -> APIClient:
        client = APIClient()
        if name != "anonymous":
            token, _created = Token.objects.get_or_create(user=org["people"][name].user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def program(org, settings):
    """Two stores' worth of program: a live survey with an unhappy answer in each store (so a case each), a
    draft and a pulse survey, a segment per customer and an invitation per store."""
    settings.RESULTS_MIN_SAMPLE = 1
    units, people, customers = org["units"], org["people"], org["customers"]
    loyal = SegmentFactory(code="loyal", name="Loyal")
    SegmentFactory(code="new", name="New")
    customers["north"].segment = loyal
    customers["north"].save()
    survey = SurveyFactory(public_id="visit", name="Store visit")
    questions = {
        "nps": QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1, order=1),
        "reason": QuestionFactory(survey=survey, code="reason", type=QT.SINGLE, page=1, order=2, required=False),
        "comment": QuestionFactory(
            survey=survey, code="comment", type=QT.LONG_TEXT, page=2, order=1, required=False, max_length=200
        ),
    }
    choices = [ChoiceFactory(question=questions["reason"], text_en=t, text_ru=t) for t in ("Prices", "Staff")]
    draft = SurveyFactory(public_id="draft", name="Draft survey", status=Survey.Status.DRAFT)
    QuestionFactory(survey=draft, code="nps", type=QT.NPS)
    pulse = SurveyFactory(public_id="pulse", name="Pulse", kind=Survey.Kind.EMPLOYEE_PULSE)
    pulse_q = QuestionFactory(survey=pulse, code="enps", type=QT.NPS)
    ordered = list(survey.questions.order_by("page", "order"))
    north = response_submit(
        survey=survey, questions=ordered, language="en", source="api", customer=customers["north"],
        answers={questions["nps"].pk: 3, questions["reason"].pk: choices[1].pk, questions["comment"].pk: "Rude staff"},
        context=ResponseContext(unit=units["north_store"], employee=people["alice"], touchpoint="checkout",
                                channel="store"),
    )  # fmt: skip
    south = response_submit(
        survey=survey, questions=ordered, language="ru", source="api", customer=customers["south"],
        answers={questions["nps"].pk: 5}, context=ResponseContext(unit=units["south_store"], employee=people["carol"]),
    )  # fmt: skip
    pulse_response = response_submit(
        survey=pulse, questions=[pulse_q], language="en", source="api", answers={pulse_q.pk: 8},
        context=ResponseContext(unit=units["north_store"]),
    )  # fmt: skip
    invitations = {
        "north": Invitation.objects.create(
            survey=survey, customer=customers["north"], unit=units["north_store"], transaction_ref="T-N"
        ),
        "south": Invitation.objects.create(
            survey=survey, customer=customers["south"], unit=units["south_store"], transaction_ref="T-S"
        ),
    }
    Invitation.objects.filter(pk__in=[i.pk for i in invitations.values()]).update(
        created_at=timezone.now() - timedelta(days=60)
    )
    return {
        "survey": survey,
        "questions": questions,
        "choices": choices,
        "draft": draft,
        "pulse": pulse,
        "responses": {"north": north, "south": south, "pulse": pulse_response},
        "cases": {"north": FollowUp.objects.get(response=north), "south": FollowUp.objects.get(response=south)},
        "invitations": invitations,
        "org": org,
    }
