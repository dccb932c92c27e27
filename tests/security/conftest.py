"""A program filled with hostile text, typed where each kind of person types it.

`hostile` builds, for one payload, an organisation whose every free-text field holds `f"{tag}:{payload}"`:
customers arrive through the admin's CSV import and answer through the hosted survey (two unhappy answers, then a
happy one whose praise the store manager passes on to Alice); the store manager works the follow-up cases through
the case page and enters KPI values by hand on the KPI values page; Bob thanks Alice on the recognition page; the
author's texts (survey, questions, choices, thank-you texts, units, people, segments, reply templates, the persona,
journey, stage, touchpoint and its pain point, KPIs and company values) are stored as the admin would store them.
Each field has its own tag, so a page's test can say exactly which fields it must show (see `pages.py`).

To cover a new text field, give it a tag here (`world.text(tag)`) and list the tag on the pages that show it."""

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cxprogram.models import Customer, Employee, Segment, Unit
from journeys.models import Improvement, Journey, Persona, Stage, Touchpoint, TouchpointMeasure
from kpis.models import CompanyValue, Kpi, Recognition
from surveys.models import Answer, FollowUp, Invitation, Question, ReplyTemplate, Survey
from surveys.services.distribution import invitation_send
from tests.api.conftest import api, program  # noqa: F401  # the API suite's token clients and program, shared
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
    journey: Journey
    touchpoint: Touchpoint
    persona: Persona
    kpis: dict[str, Kpi]
    value: CompanyValue
    recognition: Recognition  # Bob's thanks to Alice
    praise: Recognition  # the customer's praise the store manager passed on to Alice
    reshown_page: bytes = b""  # the survey page sent back with an error, the customer's text in it
    reshown_recognition: bytes = b""  # the recognition page sent back with an error, Bob's words in it
    confirmations: dict[str, bytes] = field(default_factory=dict)  # the pages that say a recognition was sent
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
    journey, touchpoint = _journey(text, questions["nps"], units["north_store"], people["store_manager"])
    kpis = {
        "employee": Kpi.objects.create(
            name=text("kname"), code="hostile-kpi", description_en=text("kdesc"), metric=Kpi.Metric.MANUAL,
            level=Kpi.Level.EMPLOYEE, target=5, min_sample=1, employee_influence=True,
        ),
        "unit": Kpi.objects.create(
            name=text("kunit"), code="hostile-unit-kpi", metric=Kpi.Metric.MANUAL, level=Kpi.Level.UNIT, target=5,
            min_sample=1, employee_influence=True,
        ),
    }  # fmt: skip
    Kpi.objects.filter(pk=kpis["employee"].pk).update(outcome=kpis["unit"])  # for the outcome analysis
    value = CompanyValue.objects.create(
        code="hostile", name_en=text("vname"), name_ru=text("vname_ru"), description_en=text("vdesc")
    )

    # The customer: a row of the CSV file a CX lead imports, then answers typed into the hosted survey.
    admin = get_user_model().objects.create_superuser("security-admin", "admin@example.com", "admin-pass-123")
    staff = Client()
    staff.force_login(admin)
    upload = io.StringIO()
    writer = csv.writer(upload)
    writer.writerow(["external_id", "name", "email", "language", "segment", "value_tier", "home_unit"])
    writer.writerow([text("cext"), text("cname"), "hostile@example.com", "en", "hostile", "high", "north-store"])
    with django_capture_on_commit_callbacks(execute=True):  # the import's Celery task runs in-process
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
    emails = {"reply": reply, "invitation": mail.outbox[-1]}

    # A happy customer praises the service in both text questions; the store manager passes the first on to Alice
    # (the second stays a suggestion), and enters KPI values by hand with notes.
    happy = f"/s/i/{invitation().token}/"
    page = customer_client.get(happy)
    praised = {**answers, f"q{questions['nps'].pk}": "10"}
    praised |= {f"q{questions['comment'].pk}": text("praise"), f"q{questions['short'].pk}": text("praise2")}
    assert customer_client.post(happy, {**form_state(page.content.decode()), **praised, "next": "1"}).status_code == 302
    praise_answer = Answer.objects.get(text=text("praise"))
    passed = manager.post(f"/recognise/praise/{praise_answer.pk}/", {"value": value.pk}, follow=True)
    assert passed.redirect_chain == [("/recognise/", 302)], passed.content.decode()
    # Last month's values: a period still running is neither judged nor celebrated.
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).isoformat()
    for kpi, subject, note in [
        (kpis["employee"], {"employee": people["alice"].pk}, text("mnote")),
        (kpis["unit"], {"unit": units["north_store"].pk}, text("unote")),
    ]:
        entered = manager.post(
            "/kpis/values/", {"kpi": kpi.pk, "day": last_month, "value": "7", "note": note, **subject}
        )
        assert entered.status_code == 302, entered.content.decode()

    # Bob thanks Alice, forgetting the company value the first time.
    bob = Client()
    bob.force_login(people["bob"].user)
    thanks = {"receiver": people["alice"].pk, "message": text("recog"), "visibility": "company", "points": "5"}
    reshown_recognition = bob.post("/recognise/", thanks)
    assert reshown_recognition.status_code == 400
    thanked = bob.post("/recognise/", {**thanks, "value": value.pk}, follow=True)
    assert thanked.redirect_chain == [("/wall/", 302)]
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
        journey=journey,
        touchpoint=touchpoint,
        persona=journey.persona,
        kpis=kpis,
        value=value,
        recognition=Recognition.objects.get(source=Recognition.Source.PEER),
        praise=Recognition.objects.get(source=Recognition.Source.CUSTOMER_PRAISE),
        reshown_page=reshown.content,
        reshown_recognition=reshown_recognition.content,
        confirmations={"thanked": thanked.content, "passed on": passed.content},
        emails=emails,
    )


def _journey(text, question: Question, unit: Unit, owner: Employee) -> tuple[Journey, Touchpoint]:
    """The author's journey: persona, journey, stage, a touchpoint the NPS question measures and its pain point."""
    persona = Persona.objects.create(name=text("pname"), goals=text("pgoals"))
    journey = Journey.objects.create(name=text("jname"), persona=persona, owner=owner, outcome_question=question)
    stage = Stage.objects.create(journey=journey, order=1, name=text("stname"))
    touchpoint = Touchpoint.objects.create(
        stage=stage, code="hostile-tp", name=text("tpname"), channel="store", owner_unit=unit, moment_of_truth=True,
        target=0, description=text("tpdesc"), backstage=text("tpback"),
    )  # fmt: skip
    TouchpointMeasure.objects.create(touchpoint=touchpoint, question=question)
    Improvement.objects.create(touchpoint=touchpoint, description=text("impr"), owner=owner)
    return journey, touchpoint


def _rename(employee: Employee, *, first_name: str, title: str = "") -> None:
    user = employee.user
    user.first_name = first_name
    user.save(update_fields=["first_name"])
    if title:
        Employee.objects.filter(pk=employee.pk).update(title=title)
