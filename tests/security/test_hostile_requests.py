"""Oversized and malformed requests get a 4xx with a message, never a 500, and change nothing.

`POST_TARGETS` lists every form a browser can send; a new form joins the list."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis.models import Kpi, KpiManualValue, KpiMeasurement, PointEntry, Recognition
from surveys.forms.page_state import STATE_SALT
from surveys.links import RECOVERY_SALT, ResponseContext
from surveys.models import FollowUp, FollowUpEvent, Question, Response, Survey
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.journeys.factories import TouchpointFactory, measured_by
from tests.kpis.factories import CompanyValueFactory, KpiFactory
from tests.surveys.conftest import form_state
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
BAD_REQUEST = "The request could not be understood."
SEEDED_RESPONSES = 2  # the case's and the praise's (see `targets`)


@pytest.fixture
def targets(org, settings):
    """A live two-page survey, an open invitation, an open case of the north store and its recovery link; a happy
    customer's praise of Alice, a company value, and KPIs entered by hand per employee and per unit."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(public_id="target")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, page=2, required=False)
    customer = CustomerFactory(email="target@example.com")
    invitation = InvitationFactory(survey=survey, customer=customer)
    store, people = org["units"]["north_store"], org["people"]
    case = response_submit(
        survey=survey, questions=[nps], answers={nps.pk: 0}, language="en", source="api", customer=customer,
        context=ResponseContext(unit=store),
    ).followup  # fmt: skip
    praise = response_submit(
        survey=survey, questions=[nps, comment], answers={nps.pk: 10, comment.pk: "Wonderful help"}, language="en",
        source="api", context=ResponseContext(unit=store, employee=people["alice"]),
    ).answers.get(question=comment)  # fmt: skip
    recovery = signing.dumps({"f": case.pk}, salt=RECOVERY_SALT)
    admin = get_user_model().objects.create_superuser("hostile-admin", "h@example.com", "hostile-admin-pass")
    users = {name: people[name].user for name in ("store_manager", "alice")} | {"admin": admin}
    manual = {"metric": Kpi.Metric.MANUAL, "target": 7, "warning": None}
    kpis = {
        "employee": KpiFactory(code="mystery-shopper", **manual),
        "unit": KpiFactory(code="store-audit", level=Kpi.Level.UNIT, **manual),
        "company": KpiFactory(code="brand-audit", level=Kpi.Level.COMPANY, **manual),
    }
    return {
        "survey": survey, "invitation": invitation, "case": case, "recovery": recovery, "users": users,
        "praise": praise, "value": CompanyValueFactory(code="care"), "kpis": kpis, **org,
    }  # fmt: skip


POST_TARGETS = {
    "survey page": (None, lambda t: "/s/target/"),
    "personal invitation": (None, lambda t: f"/s/i/{t['invitation'].token}/"),
    "is-it-solved question": (None, lambda t: f"/f/{t['recovery']}/"),
    "sign-in": (None, lambda t: "/accounts/login/"),
    "admin sign-in": (None, lambda t: "/admin/login/"),
    "language switch": (None, lambda t: "/i18n/setlang/"),
    **{
        f"case: {action}": ("store_manager", lambda t, action=action: f"/followups/{t['case'].pk}/{action}/")
        for action in ("contacted", "note", "reply", "resolve", "close", "reassign")
    },
    "admin: survey form": ("admin", lambda t: "/admin/surveys/survey/add/"),
    "admin: customer import": ("admin", lambda t: "/admin/cxprogram/customer/import/"),
    "recognition form": ("alice", lambda t: "/recognise/"),
    "customer praise passed on": ("store_manager", lambda t: f"/recognise/praise/{t['praise'].pk}/"),
    "KPI values by hand": ("store_manager", lambda t: "/kpis/values/"),
}


def snapshot() -> tuple:
    return (
        Response.objects.count(),
        FollowUpEvent.objects.count(),
        list(FollowUp.objects.values_list("status", "owner_id", "recovered")),
        Survey.objects.count(),
        len(mail.outbox),
        list(Recognition.objects.values_list("pk", "message", "points")),
        list(PointEntry.objects.values_list("pk", "amount")),
        list(KpiManualValue.objects.values_list("pk", "value", "note")),
        KpiMeasurement.objects.count(),
    )


def post_as(client, targets, name, data, **extra):
    role, url = POST_TARGETS[name]
    if role:
        client.force_login(targets["users"][role])
    return client.post(url(targets), data, headers={"accept-language": "en"}, **extra)


@pytest.mark.parametrize("name", list(POST_TARGETS))
def test_a_body_over_the_upload_limit_gets_a_400(client, targets, settings, name):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    before = snapshot()
    response = post_as(client, targets, name, {"text": "x" * 20_000, "note": "x", "reason": "x"})
    assert response.status_code == 400
    assert BAD_REQUEST in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("name", list(POST_TARGETS))
def test_more_fields_than_allowed_get_a_400(client, targets, name):
    before = snapshot()
    body = "&".join(f"f{n}=1" for n in range(1001))  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1000
    response = post_as(client, targets, name, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert BAD_REQUEST in response.content.decode()
    assert snapshot() == before


def test_the_default_limit_is_in_force_for_a_survey_answer(client, targets):
    page = client.get("/s/target/")
    data = {**form_state(page.content.decode()), "next": "1", "website": "", "x": "y" * (2_621_440 + 1)}
    response = client.post("/s/target/", data)
    assert response.status_code == 400
    assert Response.objects.count() == SEEDED_RESPONSES


def test_more_files_than_allowed_get_a_400(client, targets):
    client.force_login(targets["users"]["admin"])
    files = {f"file{n}": SimpleUploadedFile(f"{n}.csv", b"external_id\n") for n in range(101)}
    response = client.post("/admin/cxprogram/customer/import/", files)
    assert response.status_code == 400
    assert BAD_REQUEST in response.content.decode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--boundary\r\nnot a part", "multipart/form-data; boundary=boundary"),
        (b"state=1", "multipart/form-data"),  # no boundary at all
        (b"state=\xff\xfe&next=\xc3", "application/x-www-form-urlencoded"),
        (b"\x00\x01\x02", "application/octet-stream"),
        (b'{"state": "x"}', "application/json"),
    ],
    ids=["broken-multipart", "multipart-without-boundary", "not-utf-8", "binary", "json"],
)
def test_malformed_bodies_on_the_survey_page_get_a_4xx_with_a_message(client, targets, body, content_type):
    response = client.post("/s/target/", body, content_type=content_type, headers={"accept-language": "en"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This page has expired" in page or BAD_REQUEST in page
    assert Response.objects.count() == SEEDED_RESPONSES


def signed_state(survey: Survey, state) -> str:
    return signing.dumps(state, salt=f"{STATE_SALT}:{survey.public_id}", compress=True)


@pytest.mark.parametrize(
    "forge",
    [
        lambda s: "",
        lambda s: "garbage",
        lambda s: "x" * 100_000,
        lambda s: signing.dumps({"a": {}, "t": 0, "p": 1}),  # signed, but not for surveys
        lambda s: signing.dumps({"a": {}, "t": 0, "p": 1}, salt=f"{STATE_SALT}:another-survey", compress=True),
        lambda s: signed_state(s, ["not", "a", "dict"]),
        lambda s: signed_state(s, {"a": {"x": 1}, "t": 0, "p": 1}),
        lambda s: signed_state(s, {"a": {}, "t": "yesterday", "p": 1}),
        lambda s: signed_state(s, {"a": {}, "t": 0}),
        lambda s: signed_state(s, {"a": {}, "t": 0, "p": 7}),  # a page the survey does not have (any more)
    ],
    ids=["empty", "garbage", "huge", "other-salt", "other-survey", "not-a-dict", "bad-question-id", "bad-time",
         "no-page", "missing-page"],
)  # fmt: skip
def test_garbage_or_foreign_signed_state_gets_a_polite_400(client, targets, forge):
    survey = targets["survey"]
    for extra in ({"next": "1"}, {"switch_language": "ru"}, {"back": "1"}):
        response = client.post(
            "/s/target/", {"state": forge(survey), **extra, "lang": "en"}, headers={"accept-language": "en"}
        )
        assert response.status_code == 400, extra
        assert "This page has expired" in response.content.decode()
    assert Response.objects.count() == SEEDED_RESPONSES


def test_switching_language_on_a_page_the_author_just_removed_gets_a_400_not_a_500(client, targets):
    survey = targets["survey"]
    page = client.get("/s/target/")
    nps = survey.questions.get(code="nps")
    second = client.post("/s/target/", {**form_state(page.content.decode()), "next": "1", f"q{nps.pk}": "9"})
    assert "Page 2 of 2" in second.content.decode()
    Question.objects.filter(survey=survey, page=2).update(page=3)
    survey.save()  # the admin touches the survey on every edit
    response = client.post("/s/target/", {**form_state(second.content.decode()), "switch_language": "ru"})
    assert response.status_code == 400
    assert Response.objects.count() == SEEDED_RESPONSES


def case_post(client, targets, action, data):
    client.force_login(targets["users"]["store_manager"])
    return client.post(f"/followups/{targets['case'].pk}/{action}/", data, headers={"accept-language": "en"})


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("reassign", {"owner": "abc"}, "Choose someone you can see."),
        ("reassign", {"owner": "²"}, "Choose someone you can see."),  # isdigit() but not a number to int()
        ("reassign", {"owner": "99999999999999999999"}, "Choose someone you can see."),
        ("resolve", {"root_cause": "sabotage", "action_taken": "x"}, "Select a valid choice."),
        ("resolve", {"root_cause": "other", "action_taken": "x" * 2001}, "at most 2000 characters"),
        ("resolve", {}, "This field is required."),
        ("note", {"text": "   "}, "This field is required."),
        ("close", {}, "This field is required."),
        ("reply", {"subject": "", "body": "Hello"}, "This field is required."),
        ("reply", {"subject": "Hi\r\nBcc: everyone@example.com", "body": "x"}, "The subject must be a single line."),
        ("reply", {"subject": "Hi\nthere", "body": "x"}, "The subject must be a single line."),
    ],
    ids=["owner-not-a-number", "owner-superscript-digit", "owner-out-of-range", "unknown-root-cause",
         "action-too-long", "resolve-nothing", "blank-note", "close-without-reason", "reply-without-subject",
         "header-injection-crlf", "header-injection-lf"],
)  # fmt: skip
def test_bad_case_input_is_explained_with_a_400_and_changes_nothing(client, targets, action, data, message):
    before = snapshot()
    response = case_post(client, targets, action, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_finished_case_refuses_more_work_with_a_400(client, targets):
    assert case_post(client, targets, "close", {"reason": "No phone number"}).status_code == 302
    before = snapshot()
    for action, data in [("contacted", {}), ("resolve", {"root_cause": "other", "action_taken": "x"})]:
        response = case_post(client, targets, action, data)
        assert response.status_code == 400
        assert "This case is already finished." in response.content.decode()
    assert snapshot() == before


def test_unknown_actions_and_wrong_methods(client, targets):
    client.force_login(targets["users"]["store_manager"])
    case = targets["case"]
    assert client.post(f"/followups/{case.pk}/delete/").status_code == 404
    assert client.get(f"/followups/{case.pk}/note/").status_code == 405
    assert client.post("/healthz").status_code == 405
    assert client.get("/i18n/setlang/").status_code == 405


@pytest.mark.parametrize("template", ["²", "abc", "-1", "99999999999999999999", "1 OR 1=1"])
def test_a_bad_reply_template_choice_is_ignored(client, targets, template):
    client.force_login(targets["users"]["store_manager"])
    response = client.get(f"/followups/{targets['case'].pk}/", {"template": template})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=yesterday", "Enter a valid date."),
        ("date_from=99999-01-01", "Enter a valid date."),
        ("unit=abc", "Select a valid choice."),
        ("unit=99999999999999999999", "Select a valid choice."),
        ("segment=²", "Select a valid choice."),
        ("touchpoint=<script>", "Select a valid choice. &lt;script&gt; is not one of the available choices."),
        ("q=" + "x" * 101, "Ensure this value has at most 100 characters (it has 101)."),
    ],
)
def test_bad_results_filters_get_a_400_with_the_reason(client, targets, org, query, message):
    client.force_login(org["people"]["lead"].user)
    for url in ("/results/target/", "/results/target/allies/", "/results/target/export.csv"):
        response = client.get(f"{url}?{query}", headers={"accept-language": "en"})
        assert response.status_code == 400, url
        assert message in response.content.decode(), url


def test_a_note_sent_in_another_encoding_is_stored_with_replacement_characters_not_a_500(client, targets):
    client.force_login(targets["users"]["store_manager"])
    response = client.post(
        f"/followups/{targets['case'].pk}/note/", b"text=caf%E9", content_type="application/x-www-form-urlencoded"
    )  # "café" from a Latin-1 page
    assert response.status_code == 302
    assert FollowUpEvent.objects.filter(kind="note").get().text == "caf\ufffd"


def test_a_customer_file_in_another_encoding_is_refused_with_a_reason(client, targets):
    client.force_login(targets["users"]["admin"])
    upload = SimpleUploadedFile("c.csv", "external_id,name\nZ1,Zoë\n".encode("cp1252"))
    response = client.post("/admin/cxprogram/customer/import/", {"file": upload})
    assert response.status_code == 400
    assert "The file is not UTF-8 text." in response.content.decode()


def recognition(targets, **changes) -> dict:
    """What Alice sends to thank Bob, with `changes` (None: the field left out)."""
    data = {"receiver": targets["people"]["bob"].pk, "value": targets["value"].pk, "message": "Thanks for the cover",
            "visibility": "company", "points": "10"}  # fmt: skip
    return {name: value for name, value in (data | changes).items() if value is not None}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"message": "x" * 1001}, "Ensure this value has at most 1000 characters (it has 1001)."),
        ({"message": "   "}, "What did they do?: This field is required."),
        ({"message": "Thanks\x00"}, "Null characters are not allowed."),
        ({"message": None}, "What did they do?: This field is required."),
        ({"receiver": "abc"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"receiver": "²"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"receiver": "99999999999999999999"}, "Select a valid choice. That choice is not one of the available"),
        ({"receiver": "-1"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"receiver": "self"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"receiver": None}, "Colleague: This field is required."),
        ({"value": "abc"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"value": "99999999999999999999"}, "Select a valid choice. That choice is not one of the available"),
        ({"value": "retired"}, "Select a valid choice. That choice is not one of the available choices."),
        ({"visibility": "everyone"}, "Select a valid choice. everyone is not one of the available choices."),
        ({"points": "-5"}, "Ensure this value is greater than or equal to 0."),
        ({"points": "abc"}, "Points: Enter a whole number."),
        ({"points": "1.5"}, "Points: Enter a whole number."),
        ({"points": "1e3"}, "Points: Enter a whole number."),
        ({"points": "101"}, "You have 100 points left to give this month."),
        ({"points": "99999999999999999999"}, "You have 100 points left to give this month."),
    ],
    ids=["message-too-long", "message-blank", "message-nul", "message-missing", "receiver-not-a-number",
         "receiver-superscript-digit", "receiver-out-of-range", "receiver-negative", "receiver-oneself",
         "receiver-missing", "value-not-a-number", "value-out-of-range", "value-retired", "unknown-visibility",
         "negative-points", "points-not-a-number", "points-fraction", "points-exponent", "points-over-allowance",
         "points-out-of-range"],
)  # fmt: skip
def test_a_bad_recognition_is_explained_with_a_400_and_saves_nothing(client, targets, changes, message):
    if changes.get("receiver") == "self":
        changes["receiver"] = targets["people"]["alice"].pk
    if changes.get("value") == "retired":
        changes["value"] = CompanyValueFactory(code="old", active=False).pk
    before = snapshot()
    response = post_as(client, targets, "recognition form", recognition(targets, **changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'name="message"' in page  # the form again, with what was typed
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"receiver": 1, "value": 1, "message": "x"}', "application/json"),
        (b"receiver=%FF%FE&message=caf%E9", "application/x-www-form-urlencoded"),
        (b"--boundary\r\nnot a part", "multipart/form-data; boundary=boundary"),
        (b"\x00\x01\x02", "application/octet-stream"),
    ],
    ids=["json", "not-utf-8", "broken-multipart", "binary"],
)
@pytest.mark.parametrize("name", ["recognition form", "KPI values by hand"])
def test_a_malformed_body_on_the_recognition_and_kpi_forms_gets_a_400_with_a_message(
    client, targets, name, body, content_type
):
    before = snapshot()
    response = post_as(client, targets, name, body, content_type=content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert "This field is required." in page or BAD_REQUEST in page
    assert snapshot() == before


def kpi_value(targets, level: str = "employee", **changes) -> dict:
    """What the store manager sends to enter a value of a KPI entered by hand, with `changes` (None: left out)."""
    if level == "employee":
        subject = {"employee": targets["people"]["alice"].pk}
    else:
        subject = {"unit": targets["units"]["north_store"].pk}
    data = {"kpi": targets["kpis"][level].pk, "day": "2025-03-14", "value": "8.5", "note": "Mystery shopper visit"}
    return {name: value for name, value in (data | subject | changes).items() if value is not None}


@pytest.mark.parametrize(
    ("level", "changes", "message"),
    [
        ("employee", {"kpi": "abc"}, "Select a valid choice. That choice is not one of the available choices."),
        ("employee", {"kpi": "²"}, "Select a valid choice. That choice is not one of the available choices."),
        ("employee", {"kpi": None}, "KPI: This field is required."),
        ("employee", {"day": "yesterday"}, "Any day of the period: Enter a valid date."),
        ("employee", {"day": "99999-01-01"}, "Any day of the period: Enter a valid date."),
        ("employee", {"day": "2025-02-30"}, "Any day of the period: Enter a valid date."),
        ("employee", {"day": "9999-12-31"}, "Enter a date between 1900-01-01 and 2999-12-31."),
        ("employee", {"day": "0001-01-01"}, "Enter a date between 1900-01-01 and 2999-12-31."),
        ("employee", {"value": "abc"}, "Value: Enter a number."),
        ("employee", {"value": "NaN"}, "Value: Enter a number."),
        ("employee", {"value": "inf"}, "Value: Enter a number."),
        ("employee", {"value": "1e309"}, "Value: Enter a number."),
        ("employee", {"value": ""}, "Value: This field is required."),
        ("employee", {"note": "x" * 301}, "Ensure this value has at most 300 characters (it has 301)."),
        ("employee", {"note": "Visit\x00"}, "Null characters are not allowed."),
        ("employee", {"employee": None}, "is measured per employee: choose an employee."),
        ("employee", {"employee": "abc"}, "Select a valid choice. That choice is not one of the available choices."),
        ("employee", {"employee": "99999999999999999999"}, "Select a valid choice. That choice is not one of the"),
        ("employee", {"employee": "carol"}, "Select a valid choice. That choice is not one of the available choices."),
        ("unit", {"unit": None}, "is measured per unit: choose a unit."),
        ("unit", {"employee": "alice"}, "is measured per unit: choose a unit."),
        ("unit", {"unit": "south_store"}, "Select a valid choice. That choice is not one of the available choices."),
        ("company", {}, "Select a valid choice. That choice is not one of the available choices."),  # leads' only
    ],
    ids=["kpi-not-a-number", "kpi-superscript-digit", "kpi-missing", "day-not-a-date", "day-year-99999",
         "day-february-30", "day-last-possible", "day-first-possible", "value-not-a-number", "value-nan",
         "value-infinite", "value-overflows", "value-empty", "note-too-long", "note-nul", "employee-missing",
         "employee-not-a-number", "employee-out-of-range", "employee-of-another-store", "unit-missing",
         "unit-kpi-for-an-employee", "unit-of-another-region", "company-kpi-by-a-manager"],
)  # fmt: skip
def test_a_bad_kpi_value_is_explained_with_a_400_and_saves_nothing(client, targets, level, changes, message):
    named = {"carol": targets["people"]["carol"].pk, "alice": targets["people"]["alice"].pk,
             "south_store": targets["units"]["south_store"].pk}  # fmt: skip
    changes = {name: named.get(value, value) if isinstance(value, str) else value for name, value in changes.items()}
    before = snapshot()
    response = post_as(client, targets, "KPI values by hand", kpi_value(targets, level, **changes))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_good_kpi_value_is_saved_so_the_bad_ones_above_are_refused_for_their_fault_alone(client, targets):
    assert post_as(client, targets, "KPI values by hand", kpi_value(targets)).status_code == 302
    assert post_as(client, targets, "KPI values by hand", kpi_value(targets, "unit")).status_code == 302
    assert list(KpiManualValue.objects.order_by("pk").values_list("value", "note")) == [
        (8.5, "Mystery shopper visit"),
        (8.5, "Mystery shopper visit"),
    ]


def test_a_good_recognition_is_saved_so_the_bad_ones_above_are_refused_for_their_fault_alone(client, targets):
    assert post_as(client, targets, "recognition form", recognition(targets)).status_code == 302
    assert list(Recognition.objects.values_list("giver", "receiver", "points")) == [
        (targets["people"]["alice"].pk, targets["people"]["bob"].pk, 10)
    ]


@pytest.mark.parametrize("value", ["abc", "²", "-1", "99999999999999999999", "retired"])
def test_passing_praise_on_with_a_bad_company_value_falls_back_to_the_first_current_value(client, targets, value):
    """The one-click button sends no value; whatever else comes is no current value's id and gets the default."""
    if value == "retired":
        value = CompanyValueFactory(code="old", active=False).pk
    response = post_as(client, targets, "customer praise passed on", {"value": value})
    assert response.status_code == 302
    assert list(Recognition.objects.values_list("value__code", "receiver", "message")) == [
        ("care", targets["people"]["alice"].pk, "Wonderful help")
    ]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/journeys/{journey}/?date_from=yesterday", "Enter a valid date."),
        ("/journeys/{journey}/?date_from=2025-05-01&date_to=2025-04-01", "The end date is before the start date."),
        ("/journeys/{journey}/?unit=abc", "Select a valid choice."),
        ("/journeys/{journey}/?segment=99999999999999999999", "Select a valid choice."),
        ("/journeys/{journey}/touchpoints/{touchpoint}/?date_to=99999-01-01", "Enter a valid date."),
        ("/journeys/{journey}/touchpoints/{touchpoint}/?unit=²", "Select a valid choice."),
        ("/journeys/{journey}/?date_from=0001-01-01", "Enter a date between 1900-01-01 and 2999-12-31."),
        ("/journeys/{journey}/?date_to=9999-12-31", "Enter a date between 1900-01-01 and 2999-12-31."),
        ("/journeys/{journey}/touchpoints/{touchpoint}/?date_from=0001-01-01", "Enter a date between 1900-01-01"),
        ("/journeys/{journey}/touchpoints/{touchpoint}/?date_to=9999-12-31", "Enter a date between 1900-01-01"),
        ("/api/v1/journeys/{journey}/?date_from=0001-01-01", "Enter a date between 1900-01-01 and 2999-12-31."),
        ("/api/v1/journeys/{journey}/?date_to=9999-12-31", "Enter a date between 1900-01-01 and 2999-12-31."),
        ("/api/v1/journeys/{journey}/?date_from=2025-05-01&date_to=2025-04-01", "The end date is before the start"),
        ("/api/v1/journeys/{journey}/?unit=%00", "Null characters are not allowed."),
    ],
    ids=["map-date", "map-dates-reversed", "map-unit", "map-segment", "touchpoint-date", "touchpoint-unit",
         "map-first-day", "map-last-day", "touchpoint-first-day", "touchpoint-last-day", "api-map-first-day",
         "api-map-last-day", "api-map-dates-reversed", "api-map-nul-unit"],
)  # fmt: skip
def test_bad_journey_filters_and_searches_get_a_400_with_the_reason(client, targets, url, message):
    touchpoint = measured_by(TouchpointFactory(), targets["survey"].questions.get(code="nps"))
    client.force_login(targets["people"]["lead"].user)
    response = client.get(url.format(journey=touchpoint.stage.journey_id, touchpoint=touchpoint.pk))
    assert response.status_code == 400
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "url",
    ["/wall/?page=abc", "/wall/?page=99999999999999999999", "/wall/?mine=%00", "/recognise/?to=²",
     "/recognise/?to=99999999999999999999", "/journeys/{journey}/touchpoints/{touchpoint}/?page=-1",
     "/customers/?q=" + "x" * 5000, "/customers/?q=%00", "/customers/?q=N%00"],
)  # fmt: skip
def test_odd_page_numbers_and_choices_in_the_address_are_ignored(client, targets, url):
    touchpoint = measured_by(TouchpointFactory(), targets["survey"].questions.get(code="nps"))
    client.force_login(targets["people"]["lead"].user)
    response = client.get(url.format(journey=touchpoint.stage.journey_id, touchpoint=touchpoint.pk))
    assert response.status_code == 200
