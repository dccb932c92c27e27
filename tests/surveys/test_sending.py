"""The sending page: the audience after opt-outs and throttling by reason, the distribution's own texts with
placeholders (escaped), a test to oneself, one explicit send or schedule, and repetition that respects throttling."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from surveys.models import Distribution, DistributionMessage, DistributionRepeat, Invitation, UnsubscribedAddress
from surveys.selectors.audience import audience_breakdown
from surveys.selectors.distribution import distribution_audience
from surveys.services.distribution import distribution_launch
from surveys.services.sending import distributions_repeat_due
from tests.cxprogram.factories import CustomerFactory, SegmentFactory
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(org):
    families = SegmentFactory(code="families")
    survey = SurveyFactory(public_id="visit", contact_throttle_days=60)
    QuestionFactory(survey=survey)
    other_survey = SurveyFactory(public_id="other")
    store = org["units"]["north_store"]
    people = {
        name: CustomerFactory(name=name, segment=families, home_unit=store, **({"language": "ru"} | extra))
        for name, extra in {
            "<b>Anna</b>": {}, "Boris": {}, "Vera": {"language": "en"},
            "Opted": {"opted_out_at": timezone.now()}, "NoConsent": {"consent": False}, "NoMail": {"email": ""},
            "Unsub": {}, "AskedHere": {}, "AskedElsewhere": {},
        }.items()
    }  # fmt: skip
    CustomerFactory(name="Other segment")
    UnsubscribedAddress.objects.create(email=people["Unsub"].email)
    InvitationFactory(survey=survey, customer=people["AskedHere"])
    InvitationFactory(survey=other_survey, customer=people["AskedElsewhere"])
    distribution = Distribution.objects.create(survey=survey, name="Families, March")
    distribution.segments.add(families)
    lead = org["people"]["lead"]
    lead.user.email = "lead@example.com"
    lead.user.save(update_fields=["email"])
    return {"distribution": distribution, "people": people, "survey": survey, "lead": lead}


def act(client, distribution, action, **data):
    return client.post(reverse("distribution-act", args=[distribution.pk, action]), data, follow=True)


def test_audience_counts_each_customer_left_out_once_by_reason(client, org, sending):
    distribution = sending["distribution"]
    audience = audience_breakdown(distribution=distribution, now=timezone.now())
    assert (audience.matched, audience.reached) == (9, 3)
    assert {code: n for code, _label, n in audience.left_out} == {
        "not_contactable": 2, "no_email": 1, "unsubscribed": 1, "throttled_survey": 1, "throttled_program": 1,
    }  # fmt: skip
    assert audience.reached == distribution_audience(distribution=distribution).count()
    client.force_login(sending["lead"].user)
    page = client.get(reverse("distribution-send", args=[distribution.pk])).content.decode()
    assert 'data-figure="reached">3<' in page and 'data-reason="throttled_survey">1<' in page
    assert "Send to 3 customers" in page


@pytest.mark.parametrize("who", ["store_manager", "alice"])
def test_only_cx_leads_reach_the_sending_page(client, org, sending, who):
    client.force_login(org["people"][who].user)
    distribution = sending["distribution"]
    assert client.get(reverse("distribution-send", args=[distribution.pk])).status_code == 404
    assert (
        client.post(
            reverse("distribution-act", args=[distribution.pk, "send"]), {"when": "now", "confirm": "on"}
        ).status_code
        == 404
    )
    assert Distribution.objects.get(pk=distribution.pk).status == "draft"


def test_own_texts_fill_placeholders_escape_html_and_keep_unsubscribe(
    client, sending, django_capture_on_commit_callbacks
):
    distribution = sending["distribution"]
    client.force_login(sending["lead"].user)
    response = act(client, distribution, "text", kind="invitation", language="ru",
                   **{"invitation-ru-subject": "{name}, как прошёл визит в {store}?",
                      "invitation-ru-body": "Здравствуйте, {name}!\nОтветьте здесь: {link}\nСпасибо."})  # fmt: skip
    assert "The text is saved." in response.content.decode()
    page = response.content.decode()
    assert "Анна, как прошёл визит в Your store?" in page  # the preview, with sample values
    bad = act(client, distribution, "text", kind="invitation", language="en",
              **{"invitation-en-subject": "Hi {name}", "invitation-en-body": "Your {coupon} is {link}"})  # fmt: skip
    assert bad.status_code == 400 and "Unknown placeholder: {coupon}." in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        distribution_launch(distribution_id=distribution.pk)
    by_name = {m.to[0]: m for m in mail.outbox}
    anna = sending["people"]["<b>Anna</b>"]
    message = by_name[anna.email]
    invitation = Invitation.objects.get(customer=anna)
    assert message.subject == "<b>Anna</b>, как прошёл визит в North store?"  # a header is plain text
    assert f"/s/i/{invitation.token}/" in message.body and "Здравствуйте, <b>Anna</b>!" in message.body
    html = message.alternatives[0][0]
    assert "&lt;b&gt;Anna&lt;/b&gt;" in html and "<b>Anna</b>" not in html
    assert '<a href="http://' in html and "/u/" in message.body  # the unsubscribe line is always there
    vera = by_name[sending["people"]["Vera"].email]  # English: no own text in English, the standard one
    assert "It takes about a minute." in vera.body
    sent = act(client, distribution, "text", kind="invitation", language="ru",
               **{"invitation-ru-subject": "x", "invitation-ru-body": "y"})  # fmt: skip
    assert sent.status_code == 400 and "has been sent" in sent.content.decode()


def test_a_test_goes_to_the_author_only(client, sending, django_capture_on_commit_callbacks):
    distribution = sending["distribution"]
    DistributionMessage.objects.create(distribution=distribution, kind="invitation", language="en",
                                       subject="How was {store}?", body="Hi {name}, {link}")  # fmt: skip
    client.force_login(sending["lead"].user)
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, distribution, "test", kind="invitation", language="en")
    assert "A test is on its way to lead@example.com." in response.content.decode()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["lead@example.com"], "[TEST] How was Your store?")]
    assert "/s/visit/" in mail.outbox[0].body and not Invitation.objects.filter(distribution=distribution).exists()


def test_one_explicit_confirmed_send_and_a_schedule(client, sending, django_capture_on_commit_callbacks):
    distribution = sending["distribution"]
    client.force_login(sending["lead"].user)
    refused = act(client, distribution, "send", when="now")
    assert refused.status_code == 400 and Distribution.objects.get(pk=distribution.pk).status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, distribution, "send", when="now", confirm="on")
    assert "Sending has started" in response.content.decode()
    assert Invitation.objects.filter(distribution=distribution).count() == 3
    again = act(client, distribution, "send", when="now", confirm="on")
    assert again.status_code == 400 and "already been sent or scheduled" in again.content.decode()
    assert Invitation.objects.filter(distribution=distribution).count() == 3
    later = Distribution.objects.create(survey=sending["survey"], name="Later")
    at = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = act(client, later, "send", when="later", at=at, confirm="on")
    later.refresh_from_db()
    assert later.status == "scheduled" and "Scheduled for" in response.content.decode()
    assert act(client, later, "send", when="later", confirm="on").status_code == 400  # no time given


def test_repetition_copies_the_run_and_respects_throttling(client, sending, django_capture_on_commit_callbacks):
    distribution = sending["distribution"]
    DistributionMessage.objects.create(distribution=distribution, kind="invitation", language="ru",
                                       subject="Снова мы", body="{link}")  # fmt: skip
    client.force_login(sending["lead"].user)
    act(client, distribution, "repeat", every_months="3")
    with django_capture_on_commit_callbacks(execute=True):
        distribution_launch(distribution_id=distribution.pk)
    repeat = DistributionRepeat.objects.get()
    assert repeat.every_months == 3
    assert distributions_repeat_due(now=timezone.now()) == []  # not due yet
    # Three months pass: every invitation so far is that old, and the repetition is due.
    Invitation.objects.update(created_at=timezone.now() - timedelta(days=91))
    DistributionRepeat.objects.update(next_run_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        runs = distributions_repeat_due()
    assert len(runs) == 1
    run = Distribution.objects.get(pk=runs[0])
    assert list(run.segments.all()) == list(distribution.segments.all())
    assert run.messages.get().subject == "Снова мы"
    # 3 months on, the 60-day contact period is over: the same three customers are asked again, and the one asked
    # elsewhere long ago too; nobody is asked twice in one run.
    assert run.invitations.count() == 5
    assert distributions_repeat_due() == []  # moved on by three months: no second copy
    assert DistributionRepeat.objects.get().next_run_at > timezone.now() + timedelta(days=80)
    act(client, distribution, "repeat", every_months="0")
    assert not DistributionRepeat.objects.exists()
