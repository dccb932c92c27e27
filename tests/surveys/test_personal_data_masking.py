"""Personal data in comments (a phone, an e-mail, a card number) is masked for everyone but CX leads, in every
place a comment shows: each role against each page, the API, exports, staff e-mails and webhook payloads."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail

from cxprogram.models import Webhook, WebhookDelivery
from surveys.links import ResponseContext
from surveys.models import FollowUp, Question
from surveys.services.followups import followups_check_deadlines
from surveys.services.responses import response_submit
from surveys.services.text import taxonomy_seed_retail
from surveys.services.webhook_payloads import answer_payload
from surveys.tasks import analyse_new_comments
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
COMMENT = "Перезвоните +7 (916) 123-45-67 или ivan@example.ru, карта 4276 1234 5678 9012, всё плохо"
MASKED = "Перезвоните •••67 или •••@•••, карта •••12, всё плохо"
SECRETS = ("123-45-67", "ivan@example.ru", "4276 1234", "5678 9012")


@pytest.fixture
def comment(org, settings, django_capture_on_commit_callbacks):
    """A detractor's comment with all three kinds of personal data, from a customer alice served (a case opens)."""
    settings.RESULTS_MIN_SAMPLE = 1
    settings.FOLLOWUP_FRONTLINE_SEES_OWN = True
    taxonomy_seed_retail()
    org["customers"]["north"].value_tier = "high"  # so the comment is on the allies page too
    org["customers"]["north"].save()
    survey = SurveyFactory(public_id="res", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    why = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False, order=2)
    context = ResponseContext(unit=org["units"]["north_store"], employee=org["people"]["alice"])
    with django_capture_on_commit_callbacks(execute=True):
        response = response_submit(
            survey=survey, questions=[nps, why], answers={nps.pk: 2, why.pk: COMMENT}, language="ru", source="api",
            context=context, customer=org["customers"]["north"],
        )  # fmt: skip
    analyse_new_comments()
    return {"org": org, "response": response, "case": FollowUp.objects.get(response=response), "question": why}


def page(client, user, url: str) -> str:
    client.force_login(user)
    answer = client.get(url, headers={"accept-language": "ru"})
    assert answer.status_code == 200, url
    return answer.content.decode()


def assert_masked(text: str) -> None:
    assert MASKED in text
    for secret in SECRETS:
        assert secret not in text


def assert_plain(text: str) -> None:
    assert COMMENT in text


def places(comment) -> dict[str, str]:
    org = comment["org"]
    return {
        "me": "/me/",
        "employee": f"/employees/{org['people']['alice'].pk}/",
        "home": "/",
        "results": "/results/res/",
        "allies": "/results/res/allies/",
        "case": f"/followups/{comment['case'].pk}/",
        "timeline": f"/customers/{org['customers']['north'].pk}/",
    }


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("alice", "me"),
        ("north_manager", "employee"),
        ("north_manager", "home"),
        ("north_manager", "results"),
        ("north_manager", "allies"),
        ("north_manager", "case"),
        ("store_manager", "case"),
        ("north_manager", "timeline"),
        ("alice", "case"),
    ],
)
def test_everyone_but_a_cx_lead_reads_the_comment_masked(client, comment, who, where):
    html = page(client, comment["org"]["people"][who].user, places(comment)[where])
    assert_masked(html)


@pytest.mark.parametrize("where", ["employee", "home", "results", "allies", "case", "timeline"])
def test_a_cx_lead_reads_the_comment_as_written(client, comment, where):
    html = page(client, comment["org"]["people"]["lead"].user, places(comment)[where])
    assert_plain(html)


def test_the_case_desk_snippet_is_masked_for_a_manager_not_a_lead(client, comment):
    org = comment["org"]
    assert "Перезвоните •••67 или •••@•••" in page(client, org["people"]["north_manager"].user, "/followups/")
    assert "Перезвоните +7 (916) 123-45-67" in page(client, org["people"]["lead"].user, "/followups/")


@pytest.mark.parametrize(("who", "masked"), [("lead", False), ("north_manager", True)])
def test_the_api_masks_the_comment_for_non_leads(client, comment, who, masked):
    client.force_login(comment["org"]["people"][who].user)
    body = client.get("/api/v1/responses/").json()
    texts = [a["text"] for r in body["results"] for a in r["answers"] if a["question"] == "comment"]
    assert texts == [MASKED if masked else COMMENT]


def export(client, user, **data) -> list[list[str]]:
    client.force_login(user)
    response = client.get("/results/res/export.csv", data)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_exports_are_masked_unless_a_lead_asks_for_personal_data(client, comment):
    people = comment["org"]["people"]
    assert export(client, people["lead"].user)[1][-1] == MASKED
    assert export(client, people["lead"].user, personal_data="1")[1][-1] == COMMENT
    assert export(client, people["north_manager"].user, personal_data="1")[1][-1] == MASKED


def test_the_allies_csv_is_masked_unless_a_lead_asks(client, comment):
    people = comment["org"]["people"]

    def rows(user, **data) -> list[list[str]]:
        client.force_login(user)
        body = client.get("/results/res/allies/", {"format": "csv", "list": "detractors", **data}).content
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))

    assert rows(people["north_manager"].user, personal_data="1")[1][7] == MASKED
    assert rows(people["lead"].user)[1][7] == MASKED
    assert rows(people["lead"].user, personal_data="1")[1][7] == COMMENT


def test_the_case_alert_e_mail_carries_the_masked_comment(comment, django_capture_on_commit_callbacks):
    case = comment["case"]
    for person in comment["org"]["people"].values():
        person.user.email = f"{person.user.username}@example.com"
        person.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        followups_check_deadlines(now=case.due_at + timedelta(minutes=1))  # overdue: the escalation e-mail
    bodies = [message.body for message in mail.outbox if "«" in message.body]
    assert bodies, "the new case's alert was sent"
    for body in bodies:
        assert f"«{MASKED}»" in body
        for secret in SECRETS:
            assert secret not in body


def test_webhook_payloads_carry_the_masked_comment(comment, django_capture_on_commit_callbacks):
    assert answer_payload(comment["question"], COMMENT)["text"] == MASKED
    Webhook.objects.create(name="CRM", url="https://crm.example.com/hook", events=[Webhook.Event.RESPONSE_SUBMITTED])
    survey = comment["response"].survey
    questions = list(survey.questions.order_by("order"))
    with django_capture_on_commit_callbacks(execute=False):  # stored, not sent: the payload is what we check
        response_submit(
            survey=survey, questions=questions, answers={questions[0].pk: 9, questions[1].pk: COMMENT},
            language="ru", source="api",
        )  # fmt: skip
    payload = WebhookDelivery.objects.get().payload
    assert [a["text"] for a in payload["data"]["answers"] if a["question"] == "comment"] == [MASKED]
