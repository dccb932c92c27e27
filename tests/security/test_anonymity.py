"""Anonymous means anonymous, tried as a hostile manager (and a curious CX lead or superuser) would: moving date
windows, subtracting a store from its region, filtering, exporting, the API, the admin and webhooks."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cxprogram.models import Webhook, WebhookDelivery
from surveys.links import ResponseContext, survey_public_link
from surveys.models import Answer, FollowUp, Invitation, Question, Response, Survey
from surveys.services.responses import anonymous_moment, response_submit
from surveys.services.rollups import rollup_add
from tests.surveys.conftest import submit
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
SECRET = "my manager is unfair"


def last_month():
    first = timezone.localdate().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


@pytest.fixture
def pulse(org, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.PULSE_MIN_GROUP = 5
    settings.PULSE_PERIOD = "month"
    survey = SurveyFactory(public_id="pulse", name="Pulse", kind=Survey.Kind.EMPLOYEE_PULSE)
    enps = QuestionFactory(survey=survey, code="enps", type=QT.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, order=2, required=False)
    return survey, enps, comment


def answer(pulse, unit, score, *, day=None, comment=""):
    survey, enps, comment_q = pulse
    day = day or last_month() + timedelta(days=9)
    moment = anonymous_moment(survey, timezone.make_aware(datetime.combine(day, time(15, 47))))
    response = Response.objects.create(
        survey=survey, anonymous=True, unit=unit, language="ru", source="public_link", submitted_at=moment
    )
    rows = [Answer(response=response, question=enps, question_type=QT.NPS, number=score)]
    if comment:
        rows.append(Answer(response=response, question=comment_q, question_type=QT.LONG_TEXT, text=comment))
    rollup_add(response=response, answers=Answer.objects.bulk_create(rows))  # the figures read the rollups
    return response


def signed_in(org, name):
    client = Client()
    client.force_login(org["people"][name].user)
    return client


def token_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def page(client, **params):
    return client.get("/results/pulse/", params)


def test_a_date_window_is_refused_everywhere_with_a_clear_message(org, pulse):
    north = signed_in(org, "north_manager")
    day = (last_month() + timedelta(days=2)).isoformat()
    refused = page(north, date_from=day, date_to=day)
    assert refused.status_code == 400
    assert "per unit and per whole month or quarter only" in refused.content.decode()
    api = token_client(org["people"]["north_manager"].user)
    metrics = api.get("/api/v1/metrics/", {"survey": "pulse", "date_from": day, "date_to": day})
    assert metrics.status_code == 400
    assert "date_from" in metrics.json()["errors"]
    this_month = timezone.localdate().strftime("%Y-%m")
    unfinished = api.get("/api/v1/metrics/", {"survey": "pulse", "period": this_month})
    assert unfinished.status_code == 400 and "period" in unfinished.json()["errors"]


@pytest.mark.parametrize(
    "params",
    [{"segment": "1"}, {"band": "unhappy"}, {"channel": "store"}, {"by": "week"}, {"touchpoint": "x"}],
)
def test_every_other_filter_is_refused(org, pulse, params):
    response = page(signed_in(org, "north_manager"), **params)
    assert response.status_code == 400


def test_the_region_minus_its_store_singles_out_nobody(org, pulse):
    units = org["units"]
    for score in (10, 9, 9, 8, 3, 2):  # the store: 6 people
        answer(pulse, units["north_store"], score)
    for score in (10, 0):  # two answers on the region itself (the regional manager and one more)
        answer(pulse, units["north"], score)
    label = last_month().strftime("%Y-%m")
    north = signed_in(org, "north_manager")
    region = page(north, period=label, unit=units["north"].pk).content.decode()
    store = page(north, period=label, unit=units["north_store"].pk).content.decode()
    # The region (8 answers) shows; the store, which would give away the region's 2 by subtraction, does not.
    assert "n = 8" in region
    assert "Hidden to keep answers anonymous" in store
    assert "n = 6" not in store and "n = 6" not in region
    api = token_client(org["people"]["north_manager"].user)
    store_api = api.get("/api/v1/metrics/", {"survey": "pulse", "period": label, "unit": "north-store"}).json()
    assert store_api["responses"] is None
    assert store_api["questions"][0]["headline"] == {
        "value": None, "n": None, "low": None, "high": None, "unit": "", "enough": False, "min_sample": 5,
    }  # fmt: skip
    region_api = api.get("/api/v1/metrics/", {"survey": "pulse", "period": label, "unit": "north"}).json()
    assert (region_api["responses"], region_api["questions"][0]["headline"]["value"]) == (
        8,
        12.5,
    )  # 4 promoters, 3 detractors of 8


def test_a_store_of_four_is_hidden_even_from_its_own_manager_and_the_cx_lead(org, pulse, settings):
    for score in (10, 10, 10, 2):
        answer(pulse, org["units"]["north_store"], score, comment=SECRET)
    label = last_month().strftime("%Y-%m")
    for name in ("store_manager", "lead"):
        html = page(signed_in(org, name), period=label, unit=org["units"]["north_store"].pk).content.decode()
        assert "Hidden to keep answers anonymous" in html
        assert SECRET not in html and "n = 4" not in html


def test_answers_of_the_running_month_are_in_no_figure(org, pulse):
    for score in (10, 10, 10, 9, 9):
        answer(pulse, org["units"]["north_store"], score)
    answer(pulse, org["units"]["north_store"], 0, day=timezone.localdate())  # today: the month is not over
    html = page(signed_in(org, "store_manager")).content.decode()
    assert "n = 5" in html and "n = 6" not in html
    assert timezone.localdate().strftime("%Y-%m") not in html.split("By period")[0].split("<select")[1]


def test_comments_show_for_a_group_of_five_as_bare_texts_in_alphabetical_order(org, pulse):
    for score, text in [(10, "Zebra crossing"), (0, "Apples"), (9, "Monday meetings"), (7, ""), (8, "")]:
        answer(pulse, org["units"]["north_store"], score, comment=text)
    html = page(signed_in(org, "store_manager")).content.decode()
    comments = html.split('id="comments-title"')[1]
    assert comments.index("Apples") < comments.index("Monday meetings") < comments.index("Zebra crossing")
    assert "NPS" not in comments and last_month().strftime("%d.%m") not in comments


def test_no_single_answer_leaves_through_the_export_allies_or_api(org, pulse):
    for score in range(6):
        answer(pulse, org["units"]["north_store"], score, comment=SECRET)
    one = Response.objects.filter(survey__public_id="pulse").first()
    for name in ("store_manager", "lead"):
        client = signed_in(org, name)
        for url in ("/results/pulse/export.csv", "/results/pulse/allies/?format=csv"):
            refused = client.get(url)
            body = b"".join(refused.streaming_content) if refused.streaming else refused.content
            assert refused.status_code == 403, url
            assert SECRET.encode() not in body
        api = token_client(org["people"][name].user)
        assert api.get("/api/v1/responses/", {"survey": "pulse"}).json()["results"] == []
        assert api.get(f"/api/v1/responses/{one.pk}/").status_code == 404


def test_not_even_a_superuser_reads_an_anonymous_answer_in_the_admin(org, pulse):
    for score in range(6):
        answer(pulse, org["units"]["north_store"], score, comment=SECRET)
    one = Response.objects.filter(survey__public_id="pulse").first()
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "x"))
    listing = admin.get("/admin/surveys/response/", {"q": "unfair"})
    assert listing.status_code == 200 and SECRET not in listing.content.decode()
    assert f"/admin/surveys/response/{one.pk}/change/" not in admin.get("/admin/surveys/response/").content.decode()
    assert admin.get(f"/admin/surveys/response/{one.pk}/change/").status_code == 302  # "does not exist"


def test_a_hosted_pulse_answer_stores_no_identity_emits_no_webhook_and_opens_no_case(client, org, pulse):
    Webhook.objects.create(name="HR system", url="https://hr.example.com/hook", events=["response.submitted"])
    survey, enps, comment = pulse
    link = survey_public_link(survey=survey, context=ResponseContext(unit=org["units"]["north_store"]))
    done = submit(client, link, {f"q{enps.pk}": "0", f"q{comment.pk}": SECRET})
    assert done.status_code == 302
    saved = Response.objects.get(survey=survey)
    local = timezone.localtime(saved.submitted_at)
    assert (saved.customer, saved.employee, saved.invitation, saved.entered_by) == (None, None, None, None)
    assert (saved.duration_seconds, saved.transaction_ref, saved.anonymous) == (None, "", True)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert local.weekday() == 0 or local.day == 1
    assert WebhookDelivery.objects.count() == 0 and FollowUp.objects.count() == 0


def test_an_invitation_to_an_anonymous_survey_keeps_no_tie_to_the_answer(org, pulse):
    survey = SurveyFactory(public_id="quiet", anonymous=True)
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    invitation = InvitationFactory(
        survey=survey, customer=org["customers"]["north"], employee=org["people"]["alice"],
        unit=org["units"]["north_store"], transaction_ref="POS-1",
    )  # fmt: skip
    response = response_submit(
        survey=survey, questions=[nps], answers={nps.pk: 2}, language="en", source="invitation",
        invitation=invitation, customer=invitation.customer,
        context=ResponseContext(unit=invitation.unit, employee=invitation.employee, transaction_ref="POS-1"),
    )  # fmt: skip
    response.refresh_from_db()
    invitation.refresh_from_db()
    assert (response.customer, response.employee, response.invitation, response.transaction_ref) == (
        None,
        None,
        None,
        "",
    )
    assert response.unit == org["units"]["north_store"]
    assert invitation.responded_at == invitation.created_at  # used, at no moment tied to the answer
    assert not hasattr(invitation, "response") or Response.objects.filter(invitation=invitation).count() == 0


def test_the_database_refuses_an_anonymous_answer_with_a_customer(org, pulse):
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(
            survey=pulse[0], anonymous=True, customer=org["customers"]["north"], language="ru",
            source="public_link", submitted_at=timezone.now(),
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Survey.objects.filter(pk=pulse[0].pk).update(anonymous=False)


def test_nobody_can_attach_an_employee_or_enter_answers(org, pulse):
    api = token_client(org["people"]["lead"].user)
    typed = api.post("/api/v1/responses/", {"survey": "pulse", "answers": {"enps": 10}}, format="json")
    assert typed.status_code == 400
    assert "only from the respondents' own links" in typed.json()["errors"]["survey"][0]
    quiet = SurveyFactory(public_id="quiet", anonymous=True)
    QuestionFactory(survey=quiet, code="nps", type=QT.NPS)
    invite = api.post(
        "/api/v1/invitations/",
        {"survey": "quiet", "customer": "N1", "employee": org["people"]["alice"].pk, "send_email": False},
        format="json",
    )
    assert invite.status_code == 400 and "never tied to an employee" in invite.json()["errors"]["employee"][0]
    admin = Client()
    admin.force_login(org["people"]["lead"].user)
    org["people"]["lead"].user.is_staff = True
    org["people"]["lead"].user.save()
    from cxprogram.services import cx_lead_group_sync

    org["people"]["lead"].user.groups.add(cx_lead_group_sync())
    builder = admin.get(
        f"/admin/surveys/survey/{pulse[0].pk}/link/", {"employee": org["people"]["alice"].pk, "unit": ""}
    )
    html = builder.content.decode()
    assert "never tied to an employee or a transaction" in html
    assert "ctx=" not in html
    assert Invitation.objects.count() == 0


def test_the_survey_builder_keeps_the_pulse_anonymous_and_anonymity_fixed_once_answered(org, pulse):
    from surveys.forms.builder import SurveyBuildForm

    fields = {"name": "Pulse 2", "public_id": "pulse-two", "kind": "employee_pulse", "default_language": "ru",
              "title_ru": "Пульс"}  # fmt: skip
    form = SurveyBuildForm(fields)
    assert not form.is_valid() and form.errors["anonymous"] == ["An employee pulse is always anonymous."]
    answer(pulse, org["units"]["north_store"], 9)
    quiet = SurveyFactory(public_id="quiet", anonymous=True)
    Response.objects.create(
        survey=quiet, anonymous=True, language="ru", source="public_link", submitted_at=timezone.now()
    )
    edit = SurveyBuildForm({**fields, "kind": "transactional", "public_id": "quiet"}, survey=quiet)
    assert not edit.is_valid()
    assert "whether it is anonymous cannot change" in edit.errors["anonymous"][0]
