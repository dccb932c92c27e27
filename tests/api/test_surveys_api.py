"""Surveys, responses (read with filters; create with the hosted page's validation), invitations per transaction,
metrics with n and intervals, and follow-up cases whose status changes go through the closed loop's rules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from surveys.models import FollowUp, Invitation, Question, Response, UnsubscribedAddress
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


def test_survey_has_its_public_link_and_questions(api, program, settings):
    settings.SITE_URL = "https://cx.example.com"
    body = api("store_manager").get("/api/v1/surveys/visit/").json()
    assert body["public_link"] == "https://cx.example.com/s/visit/"
    assert [(q["code"], q["type"], q["page"], q["scale_min"], q["scale_max"]) for q in body["questions"]] == [
        ("nps", "nps", 1, 0, 10),
        ("reason", "single", 1, None, None),
        ("comment", "long_text", 2, None, None),
    ]
    assert [c["text_en"] for c in body["questions"][1]["choices"]] == ["Prices", "Staff"]


NOT_ANALYSED = {"sentiment": None, "score": None, "themes": []}


def test_response_list_has_answers_and_context(api, program):
    north = program["responses"]["north"]
    body = api("store_manager").get("/api/v1/responses/").json()
    assert body["results"] == [
        {
            "id": north.pk, "survey": "visit", "submitted_at": body["results"][0]["submitted_at"], "source": "api",
            "language": "en", "duration_seconds": None, "customer": "N1", "segment": "loyal", "unit": "north-store",
            "employee": program["org"]["people"]["alice"].pk, "touchpoint": "checkout", "channel": "store",
            "transaction_ref": "", "contact_details": "", "band": "unhappy", "followup": program["cases"]["north"].pk,
            "answers": [
                {"question": "nps", "type": "nps", "number": 3, "choices": [], "text": "", **NOT_ANALYSED},
                {"question": "reason", "type": "single", "number": None, "choices": [program["choices"][1].pk],
                 "text": "", **NOT_ANALYSED},
                {"question": "comment", "type": "long_text", "number": None, "choices": [], "text": "Rude staff",
                 **NOT_ANALYSED},  # analysed by a worker after the commit: tests/api/test_text_api.py
            ],
        }
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"survey": "visit"}, ["south", "north"]),
        ({"survey": "pulse"}, []),  # anonymous: nobody reads its answers one by one
        ({"unit": "north"}, ["north"]),  # the region with the store below it
        ({"unit": "south-store"}, ["south"]),
        ({"segment": "loyal"}, ["north"]),
        ({"touchpoint": "checkout"}, ["north"]),
        ({"channel": "store"}, ["north"]),
        ({"band": "unhappy"}, ["south", "north"]),
        ({"band": "neutral"}, []),
        ({"band": "happy"}, []),
        ({"submitted_from": "2000-01-01", "submitted_to": "2000-12-31"}, []),
        ({"submitted_from": "2000-01-01"}, ["south", "north"]),
    ],
)
def test_response_filters(api, program, query, expected):
    names = {r.pk: name for name, r in program["responses"].items()}
    response = api("lead").get("/api/v1/responses/", query)
    assert response.status_code == 200
    assert [names[row["id"]] for row in response.json()["results"]] == expected


def test_response_filter_by_employee_and_period_today(api, program):
    alice = program["org"]["people"]["alice"]
    today = timezone.localdate().isoformat()
    rows = api("lead").get("/api/v1/responses/", {"employee": alice.pk, "submitted_to": today}).json()["results"]
    assert [r["id"] for r in rows] == [program["responses"]["north"].pk]


def test_filters_refuse_units_and_employees_outside_the_scope(api, program):
    carol = program["org"]["people"]["carol"]
    response = api("store_manager").get("/api/v1/responses/", {"unit": "south-store", "employee": carol.pk})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "unit": ["Select a valid choice. That choice is not one of the available choices."],
        "employee": ["Select a valid choice. That choice is not one of the available choices."],
    }
    bad = api("lead").get("/api/v1/responses/", {"band": "furious", "submitted_from": "yesterday"})
    assert bad.json()["errors"] == {
        "submitted_from": ["Enter a valid date."],
        "band": ["Select a valid choice. furious is not one of the available choices."],
    }


def post_response(client, answers, **extra):
    return client.post("/api/v1/responses/", {"survey": "visit", "answers": answers, **extra}, format="json")


def test_create_response_from_a_kiosk(api, program):
    kiosk = program["org"]["people"]["store_manager"]
    kiosk.integration = True  # the kiosk's own integration account: what it enters counts as collected
    kiosk.save()
    choice = program["choices"][0]
    response = post_response(
        api("store_manager"), {"nps": 10, "reason": choice.pk, "comment": "Quick"}, unit="north-store",
        customer="N1", touchpoint="kiosk", channel="self_service", language="ru", transaction_ref="K-1",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    saved = Response.objects.get(pk=body["id"])
    assert (saved.source, saved.language, saved.unit.code, saved.customer.external_id, saved.touchpoint) == (
        "api", "ru", "north-store", "N1", "kiosk",
    )  # fmt: skip
    assert (body["band"], body["followup"], [a["question"] for a in body["answers"]]) == (
        "happy", None, ["nps", "reason", "comment"],
    )  # fmt: skip


def test_unhappy_response_through_the_api_opens_a_case(api, program):
    response = post_response(api("lead"), {"nps": 1}, unit="south-store")
    case = FollowUp.objects.get(response_id=response.json()["id"])
    assert (response.json()["followup"], case.owner, case.reasons) == (
        case.pk, program["org"]["people"]["south_manager"], "NPS 1",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        ({}, {"answers.nps": ["Please answer this question."]}),
        ({"nps": 11}, {"answers.nps": ["Select a valid choice. 11 is not one of the available choices."]}),
        ({"nps": "ten"}, {"answers.nps": ["Select a valid choice. ten is not one of the available choices."]}),
        ({"nps": 9.5}, {"answers.nps": ["Send a whole number or a choice id."]}),
        ({"nps": 9, "colour": "red"}, {"answers.colour": ["This survey has no question “colour”."]}),
        ({"nps": 9, "comment": 42}, {"answers.comment": ["Send the answer to a text question as text."]}),
        ({"nps": 9, "comment": "x" * 201},
         {"answers.comment": ["Ensure this value has at most 200 characters (it has 201)."]}),
        ({"nps": 9, "reason": 999999},
         {"answers.reason": ["Select a valid choice. 999999 is not one of the available choices."]}),
    ],
)  # fmt: skip
def test_create_response_applies_the_hosted_page_rules(api, program, answers, errors):
    before = Response.objects.count()
    response = post_response(api("lead"), answers)
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Response.objects.count() == before


def test_display_logic_as_on_the_page(api, program):
    survey, q = program["survey"], program["questions"]
    why = QuestionFactory(
        survey=survey, code="why", type=QT.SHORT_TEXT, page=2, order=2, show_if_question=q["nps"],
        show_if_operator="lte", show_if_value=6,
    )  # fmt: skip
    assert post_response(api("lead"), {"nps": 4}).json()["errors"] == {"answers.why": ["Please answer this question."]}
    happy = post_response(api("lead"), {"nps": 10, "why": "hidden, so dropped"})
    assert happy.status_code == 201
    assert not Response.objects.get(pk=happy.json()["id"]).answers.filter(question=why).exists()


def test_create_response_refuses_surveys_and_context_that_are_not_usable(api, program):
    program["survey"].status = "closed"
    program["survey"].save()
    closed = post_response(api("lead"), {"nps": 9})
    assert closed.json()["errors"] == {"survey": ["This survey is closed and does not accept answers."]}
    draft = api("store_manager").post("/api/v1/responses/", {"survey": "draft", "answers": {}}, format="json")
    assert draft.json()["errors"] == {"survey": ["Unknown survey “draft”."]}
    context = api("store_manager").post(
        "/api/v1/responses/",
        {"survey": "pulse", "answers": {"enps": 9}, "unit": "south-store", "employee": 10**6, "customer": "S1",
         "channel": "pigeon"},
        format="json",
    )  # fmt: skip
    assert context.json()["errors"] == {"channel": ['"pigeon" is not a valid choice.']}
    program["survey"].status = "live"
    program["survey"].save()
    context = api("store_manager").post(
        "/api/v1/responses/",
        {"survey": "visit", "answers": {"nps": 9}, "unit": "south-store", "employee": 10**6, "customer": "S1"},
        format="json",
    )
    assert context.json()["errors"] == {
        "customer": ["Unknown customer “S1”, or not yours to use."],
        "unit": ["Unknown unit “south-store”, or not yours to use."],
        "employee": ["Unknown employee “1000000”, or not yours to use."],
    }


def test_a_client_cannot_choose_the_source_or_the_time(api, program):
    response = post_response(api("lead"), {"nps": 9}, source="invitation", submitted_at="2001-01-01T00:00:00Z")
    saved = Response.objects.get(pk=response.json()["id"])
    assert (saved.source, saved.submitted_at.year) == ("staff", timezone.now().year)  # a person typed it in
    assert saved.entered_by == program["org"]["people"]["lead"].user


def invite(client, **fields):
    body = {"survey": "visit", "customer": "N1", "unit": "north-store", "touchpoint": "checkout", "channel": "store"}
    return client.post("/api/v1/invitations/", body | fields, format="json")


def test_invitation_per_transaction_is_created_and_e_mailed(api, program, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://cx.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(api("store_manager"), transaction_ref="POS-1")
    assert response.status_code == 201
    body = response.json()
    invitation = Invitation.objects.get(pk=body["invitation"]["id"])
    assert (body["invited"], body["reason"], body["message"]) == (True, "", "")
    assert body["link"] == f"https://cx.example.com/s/i/{invitation.token}/"
    assert (invitation.transaction_ref, invitation.unit.code, invitation.delivery) == ("POS-1", "north-store", "sent")
    assert [m.to for m in mail.outbox] == [["n1@example.com"]]


@pytest.mark.parametrize(
    ("setup", "reason", "message"),
    [
        ("duplicate", "duplicate", "This transaction has been asked about already."),
        ("throttled", "throttled", "The customer was asked recently (the survey's or the program's contact period)."),
        ("opted_out", "opted_out", "The customer has not agreed to feedback requests or has opted out."),
        ("unsubscribed", "unsubscribed", "The customer's e-mail address is unsubscribed."),
        ("no_email", "no_email", "The customer has no e-mail address."),
    ],
)
def test_suppressed_invitation_says_why(api, program, setup, reason, message):
    customer = program["org"]["customers"]["north"]
    ref = "T-N" if setup == "duplicate" else "NEW"
    if setup == "throttled":
        Invitation.objects.filter(customer=customer).update(created_at=timezone.now() - timedelta(days=1))
    elif setup == "opted_out":
        customer.opted_out_at = timezone.now()
    elif setup == "unsubscribed":
        UnsubscribedAddress.objects.create(email=customer.email)
    elif setup == "no_email":
        customer.email = ""
    customer.save()
    response = invite(api("lead"), transaction_ref=ref)
    assert response.status_code == 200
    assert response.json() == {"invited": False, "reason": reason, "message": message, "invitation": None, "link": None}


def test_invitation_without_e_mail_returns_the_link_to_send_elsewhere(api, program):
    customer = CustomerFactory(external_id="SMS-1", email="", home_unit=program["org"]["units"]["north_store"])
    response = invite(api("lead"), customer=customer.external_id, send_email=False, transaction_ref="SMS")
    assert response.status_code == 201
    assert response.json()["invitation"]["delivery"] == ""
    assert mail.outbox == []


def test_metrics_with_n_and_interval_for_a_slice(api, program, settings):
    body = api("lead").get("/api/v1/metrics/", {"survey": "visit", "unit": "north"}).json()
    assert body["survey"] == "visit"
    assert body["responses"] == 1
    nps = body["questions"][0]
    assert nps["question"] == "nps"
    assert nps["headline"] == {
        "value": -100.0, "n": 1, "low": -100.0, "high": -100.0, "unit": "", "enough": True, "min_sample": 1,
    }  # fmt: skip
    reason = body["questions"][1]
    assert [(d["label"], d["count"], d["share"]["value"]) for d in reason["distribution"]] == [
        ("Prices", 0, 0.0),
        ("Staff", 1, 100.0),
    ]
    settings.RESULTS_MIN_SAMPLE = 30
    thin = api("lead").get("/api/v1/metrics/", {"survey": "visit", "question": "nps"}).json()["questions"][0]
    assert thin["headline"] == {
        "value": None, "n": 2, "low": None, "high": None, "unit": "", "enough": False, "min_sample": 30,
    }  # fmt: skip


def test_metrics_refuse_unknown_or_foreign_slices(api, program):
    response = api("store_manager").get(
        "/api/v1/metrics/",
        {"survey": "draft", "unit": "south-store", "date_from": "2026-02-01", "date_to": "2026-01-01"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"date_to": ["The end date is before the start date."]}
    response = api("store_manager").get("/api/v1/metrics/", {"survey": "draft", "unit": "south-store"})
    assert response.json()["errors"] == {
        "survey": ["Unknown survey “draft”."],
        "unit": ["Unknown unit “south-store”, or not yours to use."],
    }
    assert api("lead").get("/api/v1/metrics/").json()["errors"] == {"survey": ["This field is required."]}


def test_case_life_through_the_api(api, program):
    client = api("store_manager")
    case = program["cases"]["north"]
    url = f"/api/v1/followups/{case.pk}/"
    contacted = client.post(url + "contacted/", {"note": "Called, left a message"}, format="json")
    assert (contacted.status_code, contacted.json()["status"]) == (200, "contacted")
    client.post(url + "notes/", {"text": "Customer called back"}, format="json")
    missing = client.post(url + "resolve/", {"root_cause": "staff"}, format="json")
    assert missing.json()["errors"] == {"action_taken": ["This field is required."]}
    blank = client.post(url + "resolve/", {"root_cause": "staff", "action_taken": "   "}, format="json")
    assert blank.json()["errors"] == {"action_taken": ["This field may not be blank."]}
    resolved = client.post(url + "resolve/", {"root_cause": "staff", "action_taken": "Coached the team"}, format="json")
    body = resolved.json()
    assert (body["status"], body["root_cause"], body["action_taken"]) == ("resolved", "staff", "Coached the team")
    assert [(e["kind"], e["text"]) for e in body["events"]] == [
        ("opened", "NPS 3"),
        ("assigned", "Store Tester"),
        ("contacted", "Called, left a message"),
        ("note", "Customer called back"),
        ("resolved", "Staff attitude: Coached the team"),
    ]
    again = client.post(url + "close/", {"reason": "No answer"}, format="json")
    assert (again.status_code, again.json()["detail"]) == (400, "This case is already finished.")


def test_case_fields_cannot_be_written_directly(api, program):
    case = program["cases"]["north"]
    client = api("lead")
    assert client.patch(f"/api/v1/followups/{case.pk}/", {"status": "resolved"}, format="json").status_code == 405
    assert client.put(f"/api/v1/followups/{case.pk}/", {"owner": None}, format="json").status_code == 405
    case.refresh_from_db()
    assert (case.status, case.owner) == ("new", program["org"]["people"]["store_manager"])


def test_case_filters(api, program):
    client = api("lead")
    north, south = program["cases"]["north"], program["cases"]["south"]
    FollowUp.objects.filter(pk=south.pk).update(due_at=timezone.now() - timedelta(hours=1))
    assert [c["id"] for c in client.get("/api/v1/followups/", {"overdue": "true"}).json()["results"]] == [south.pk]
    assert [c["id"] for c in client.get("/api/v1/followups/", {"unit": "north-store"}).json()["results"]] == [north.pk]
    mine = api("store_manager").get("/api/v1/followups/", {"mine": "true"}).json()["results"]
    assert [c["id"] for c in mine] == [north.pk]
    overdue = client.get(f"/api/v1/followups/{south.pk}/").json()
    assert (overdue["overdue"], overdue["customer"]["external_id"]) == (True, "S1")
