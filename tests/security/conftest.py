"""A program filled with hostile text, typed where each kind of person types it.

`hostile` builds, for one payload, an organisation whose every free-text field holds `f"{tag}:{payload}"`:
customers arrive through the admin's CSV import and answer through the hosted survey; the store manager works
the follow-up cases through the case page; the author's texts (survey, questions, choices, thank-you texts,
units, people, segments, reply templates) are stored as the admin would store them. Each field has its own tag,
so a page's test can say exactly which fields it must show (see `pages.py`).

To cover a new text field, give it a tag here (`world.text(tag)`) and list the tag on the pages that show it."""

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cxprogram.models import Customer, Employee, Segment, Unit
from surveys.distribution import invitation_send
from surveys.models import FollowUp, Invitation, Question, ReplyTemplate, Survey
from tests.surveys.conftest import form_state
from tests.surveys.factories import ChoiceFactory, InvitationFactory, QuestionFactory, SurveyFactory

QT = Question.Type

# What an attacker types. No commas (a survey's follow-up keywords are comma-separated) and short enough for the
# 50-character fields once tagged.
PAYLOADS = {
    "script-tag": "<script>alert(1)</script>",
    "attribute-break": '"><img src=x onerror=alert(1)>',
    "single-quote-break": "'><svg onload=alert(1)>",
    "javascript-url": "javascript:alert(1)//",
    "template-syntax": "{{ 7*7 }}{% debug %}%(x)s",
}


@dataclass
class World:
    """Everything the pages of the hostile program are about."""

    payload: str
    survey: Survey
    questions: dict[str, Question]
    customer: Customer
    open_invitation: Invitation
    resolved_case: FollowUp
    closed_case: FollowUp
    template: ReplyTemplate
    people: dict[str, Employee]
    units: dict[str, Unit]
    reshown_page: bytes = b""  # the survey page sent back with an error, the customer's text in it
    emails: dict[str, mail.EmailMessage] = field(default_factory=dict)

    def text(self, tag: str) -> str:
        return f"{tag}:{self.payload}"


@pytest.fixture(params=list(PAYLOADS), ids=list(PAYLOADS))
def payload(request) -> str:
    return PAYLOADS[request.param]


@pytest.fixture
def hostile(org, payload, settings, django_capture_on_commit_callbacks) -> World:
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.RESULTS_MIN_SAMPLE = 1

    def text(tag: str) -> str:
        return f"{tag}:{payload}"

    units, people = org["units"], org["people"]
    # The author (a CX lead in the admin): units, people, segments, the survey and its texts, reply templates.
    Unit.objects.filter(pk=units["north_store"].pk).update(name=text("unit"))
    _rename(people["alice"], first_name=text("ename"), title=text("etitle"))
    _rename(people["store_manager"], first_name=text("owner"))
    Segment.objects.create(name=text("seg"), code="hostile")
    survey = SurveyFactory(
        public_id="hostile", name=text("sname"), title_en=text("title"), title_ru=text("title_ru"),
        intro_en=text("intro"), intro_ru=text("intro_ru"), thank_you_en=text("thanks"),
        thank_you_unhappy_en=text("sad"), thank_you_happy_en=text("glad"), followup_keywords=payload.lower(),
    )  # fmt: skip
    questions = {
        "nps": QuestionFactory(
            survey=survey, code="nps", type=QT.NPS, text_en=text("qnps"), text_ru="", help_en=text("qhelp"),
            low_label_en=text("qlow"), high_label_en=text("qhigh"),
        ),
        "choice": QuestionFactory(survey=survey, code="choice", type=QT.SINGLE, text_en=text("qchoice"), text_ru=""),
        "comment": QuestionFactory(
            survey=survey, code="comment", type=QT.LONG_TEXT, required=False, text_en=text("qcomment"), text_ru=""
        ),
        "short": QuestionFactory(
            survey=survey, code="short", type=QT.SHORT_TEXT, required=False, text_en=text("qshort"), text_ru=""
        ),
    }  # fmt: skip
    choices = [
        ChoiceFactory(question=questions["choice"], order=n, text_en=text(tag), text_ru="")
        for n, tag in enumerate(["choice", "choice2"])
    ]
    template = ReplyTemplate.objects.create(
        name=text("tname"), language="en", subject=text("tsubj"), body=text("tbody") + " {name}"
    )

    # The customer: a row of the CSV file a CX lead imports, then answers typed into the hosted survey.
    admin = get_user_model().objects.create_superuser("security-admin", "admin@example.com", "admin-pass-123")
    staff = Client()
    staff.force_login(admin)
    upload = io.StringIO()
    writer = csv.writer(upload)
    writer.writerow(["external_id", "name", "email", "language", "segment", "value_tier", "home_unit"])
    writer.writerow([text("cext"), text("cname"), "hostile@example.com", "en", "hostile", "high", "north-store"])
    imported = staff.post(
        "/admin/cxprogram/customer/import/",
        {"file": SimpleUploadedFile("customers.csv", upload.getvalue().encode(), content_type="text/csv")},
    )
    assert imported.status_code == 302, imported.content.decode()
    customer = Customer.objects.get(external_id=text("cext"))

    def invitation() -> Invitation:
        return InvitationFactory(
            survey=survey, customer=customer, unit=units["north_store"], employee=people["alice"],
            touchpoint=text("tp"), language="en",
        )  # fmt: skip

    answers = {
        f"q{questions['nps'].pk}": "1",
        f"q{questions['choice'].pk}": str(choices[0].pk),
        f"q{questions['comment'].pk}": text("comment"),
        f"q{questions['short'].pk}": text("short"),
    }
    customer_client = Client()
    url = f"/s/i/{invitation().token}/"
    page = customer_client.get(url)
    without_score = {k: v for k, v in answers.items() if k != f"q{questions['nps'].pk}"}
    reshown = customer_client.post(url, {**form_state(page.content.decode()), "next": "1", **without_score})
    assert reshown.status_code == 400
    assert (
        customer_client.post(url, {**form_state(reshown.content.decode()), **answers, "next": "1"}).status_code == 302
    )
    second = f"/s/i/{invitation().token}/"
    page = customer_client.get(second)
    assert (
        customer_client.post(second, {**form_state(page.content.decode()), **answers, "next": "1"}).status_code == 302
    )
    resolved_case, closed_case = FollowUp.objects.order_by("pk")

    # The employee: the store manager works both cases on the case page.
    manager = Client()
    manager.force_login(people["store_manager"].user)
    with django_capture_on_commit_callbacks(execute=True):
        for action, data in [
            ("contacted", {"note": text("contact")}),
            ("note", {"text": text("note")}),
            ("reply", {"subject": text("rsubj"), "body": text("rbody")}),
            ("resolve", {"root_cause": "other", "action_taken": text("action")}),
        ]:
            done = manager.post(f"/followups/{resolved_case.pk}/{action}/", data)
            assert done.status_code == 302, (action, done.content.decode())
        assert manager.post(f"/followups/{closed_case.pk}/close/", {"reason": text("close")}).status_code == 302
    reply = mail.outbox[-1]

    open_invitation = invitation()
    open_invitation.delivery = Invitation.Delivery.QUEUED
    open_invitation.save()
    invitation_send(invitation_id=open_invitation.pk)
    return World(
        payload=payload,
        survey=survey,
        questions=questions,
        customer=customer,
        open_invitation=open_invitation,
        resolved_case=resolved_case,
        closed_case=closed_case,
        template=template,
        people=people,
        units=units,
        reshown_page=reshown.content,
        emails={"reply": reply, "invitation": mail.outbox[-1]},
    )


def _rename(employee: Employee, *, first_name: str, title: str = "") -> None:
    user = employee.user
    user.first_name = first_name
    user.save(update_fields=["first_name"])
    if title:
        Employee.objects.filter(pk=employee.pk).update(title=title)
