"""Oversized and malformed requests get a 4xx with a message, never a 500, and change nothing.

`POST_TARGETS` lists every form a browser can send; a new form joins the list."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile

from surveys.closed_loop import RECOVERY_SALT
from surveys.models import FollowUp, FollowUpEvent, Question, Response, Survey
from surveys.services import ResponseContext, response_submit
from surveys.views import STATE_SALT
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import form_state
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
BAD_REQUEST = "The request could not be understood."


@pytest.fixture
def targets(org, settings):
    """A live two-page survey, an open invitation, an open case of the north store and its recovery link."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(public_id="target")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, page=1)
    QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, page=2, required=False)
    customer = CustomerFactory(email="target@example.com")
    invitation = InvitationFactory(survey=survey, customer=customer)
    case = response_submit(
        survey=survey, questions=[nps], answers={nps.pk: 0}, language="en", source="api", customer=customer,
        context=ResponseContext(unit=org["units"]["north_store"]),
    ).followup  # fmt: skip
    recovery = signing.dumps({"f": case.pk}, salt=RECOVERY_SALT)
    admin = get_user_model().objects.create_superuser("hostile-admin", "h@example.com", "hostile-admin-pass")
    users = {"store_manager": org["people"]["store_manager"].user, "admin": admin}
    return {"survey": survey, "invitation": invitation, "case": case, "recovery": recovery, "users": users}


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
}


def snapshot() -> tuple:
    return (
        Response.objects.count(),
        FollowUpEvent.objects.count(),
        list(FollowUp.objects.values_list("status", "owner_id", "recovered")),
        Survey.objects.count(),
        len(mail.outbox),
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
    assert Response.objects.count() == 1  # the case's own response only


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
    assert Response.objects.count() == 1


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
    assert Response.objects.count() == 1


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
    assert Response.objects.count() == 1


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
        ("touchpoint=<script>", "Enter a valid “slug”"),
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
