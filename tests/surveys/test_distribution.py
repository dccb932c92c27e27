"""Distribution: the right audience, throttling, opt-outs, one e-mail per invitation, reminders, unsubscribe."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from cxprogram import celery_app
from cxprogram.models import Customer
from surveys.links import unsubscribe_token
from surveys.models import Distribution, Invitation, UnsubscribedAddress
from surveys.selectors.distribution import distribution_audience
from surveys.services.distribution import distribution_launch, invitation_for_transaction, reminder_send
from surveys.tasks import send_due_reminders, send_invitations
from tests.cxprogram.factories import CustomerFactory, SegmentFactory, UnitFactory
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def audience(db):
    company = UnitFactory(kind="company", parent=None)
    store = UnitFactory(kind="store", parent=company)
    families = SegmentFactory(code="families")
    survey = SurveyFactory(public_id="dist", title_en="Your visit", title_ru="Ваш визит")
    QuestionFactory(survey=survey)
    people = {
        "anna": CustomerFactory(name="Anna", segment=families, home_unit=store, language="ru"),
        "ben": CustomerFactory(name="Ben", segment=families, home_unit=store, language="en"),
        "opted": CustomerFactory(name="Opted", segment=families, opted_out_at=timezone.now()),
        "no_consent": CustomerFactory(name="NoConsent", segment=families, consent=False),
        "no_mail": CustomerFactory(name="NoMail", segment=families, email=""),
        "other": CustomerFactory(name="Other segment"),
    }
    distribution = Distribution.objects.create(survey=survey, name="March", reminder_after_days=3, max_reminders=1)
    distribution.segments.add(families)
    return survey, distribution, people


def test_audience_leaves_out_opted_out_unconsented_unreachable_and_unsubscribed(audience):
    _survey, distribution, people = audience
    UnsubscribedAddress.objects.create(email=people["ben"].email.upper().lower())
    assert [c.name for c in distribution_audience(distribution=distribution)] == ["Anna"]


def test_recently_surveyed_customers_are_throttled(audience, settings):
    survey, distribution, people = audience
    InvitationFactory(survey=survey, customer=people["anna"])  # today, same survey
    old = InvitationFactory(customer=people["ben"])  # another survey, long ago
    Invitation.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=settings.PROGRAM_CONTACT_DAYS + 1)
    )
    assert [c.name for c in distribution_audience(distribution=distribution)] == ["Ben"]


def test_launch_sends_one_email_each_in_the_customers_language(audience, django_capture_on_commit_callbacks):
    _survey, distribution, _people = audience
    with django_capture_on_commit_callbacks(execute=True):
        assert distribution_launch(distribution_id=distribution.pk) == 2
    assert sorted(m.subject for m in mail.outbox) == [
        "Your visit: a minute of your time?",
        "Ваш визит: уделите минуту?",
    ]
    message = next(m for m in mail.outbox if m.subject.startswith("Your visit"))
    invitation = Invitation.objects.get(customer__name="Ben")
    assert f"http://127.0.0.1:8000/s/i/{invitation.token}/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (invitation.delivery, invitation.channel) == ("sent", "email")
    distribution.refresh_from_db()
    assert distribution.status == "sent"
    # Launching again, or re-running a batch task, sends nothing more.
    assert distribution_launch(distribution_id=distribution.pk) == 0
    send_invitations.apply(args=[list(Invitation.objects.values_list("pk", flat=True))])
    assert len(mail.outbox) == 2


def test_transient_smtp_errors_are_retried_then_marked_failed(audience, monkeypatch):
    survey, _distribution, people = audience
    invitation = InvitationFactory(survey=survey, customer=people["anna"], delivery="queued")
    calls = []

    def broken_send(self, fail_silently=False):
        calls.append(1)
        raise SMTPServerDisconnected("connection dropped")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", broken_send)
    # In-process (eager) retries run at once, one after the other, when errors are not propagated.
    celery_app.conf.task_eager_propagates = False
    try:
        send_invitations.apply(args=[[invitation.pk]])
    finally:
        celery_app.conf.task_eager_propagates = True
    assert len(calls) == 6  # the first try and five retries (run at once here; a worker waits 30 s, 60 s, ...)
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.delivery_error) == ("failed", "connection dropped")


def test_reminders_go_once_to_non_responders_after_the_delay(audience, django_capture_on_commit_callbacks):
    _survey, distribution, people = audience
    with django_capture_on_commit_callbacks(execute=True):
        distribution_launch(distribution_id=distribution.pk)
    mail.outbox.clear()
    answered = Invitation.objects.get(customer=people["ben"])
    Invitation.objects.filter(pk=answered.pk).update(responded_at=timezone.now())
    assert send_due_reminders.apply().result == 0  # too early
    Invitation.objects.update(sent_at=timezone.now() - timedelta(days=4))
    assert send_due_reminders.apply().result == 1
    assert send_due_reminders.apply().result == 0  # max_reminders = 1
    assert [m.subject for m in mail.outbox] == ["Напоминание: Ваш визит"]
    assert reminder_send(invitation_id=answered.pk) is False


def test_transactional_trigger_says_why_nothing_was_sent(audience, django_capture_on_commit_callbacks):
    survey, _distribution, people = audience
    with django_capture_on_commit_callbacks(execute=True):
        invitation, reason = invitation_for_transaction(survey=survey, customer=people["anna"], transaction_ref="T-1")
    invitation.refresh_from_db()
    assert (reason, invitation.delivery, len(mail.outbox)) == ("", "sent", 1)
    assert invitation_for_transaction(survey=survey, customer=people["anna"], transaction_ref="T-1") == (
        None,
        "duplicate",
    )
    assert invitation_for_transaction(survey=survey, customer=people["anna"]) == (None, "throttled")
    assert invitation_for_transaction(survey=survey, customer=people["opted"]) == (None, "opted_out")
    assert invitation_for_transaction(survey=survey, customer=people["no_mail"]) == (None, "no_email")
    survey.status = "closed"
    assert invitation_for_transaction(survey=survey, customer=people["ben"]) == (None, "survey_not_live")


def test_unsubscribe_in_one_click(client, audience):
    survey, _distribution, people = audience
    invitation = InvitationFactory(survey=survey, customer=people["anna"])
    url = f"/u/{unsubscribe_token(invitation)}/"
    assert "Stop feedback requests?" in client.get(f"{url}?lang=en").content.decode()
    response = client.post(url)  # a mail client's one-click POST carries no CSRF cookie
    assert response.status_code == 200
    assert "Вы отписались" in response.content.decode()  # Anna's language
    anna = Customer.objects.get(pk=people["anna"].pk)
    assert anna.opted_out_at is not None
    assert UnsubscribedAddress.objects.filter(email=anna.email.lower()).exists()
    assert client.post("/u/forged-token/").status_code == 404


def test_admin_shows_progress_and_response_rate(admin_client, audience, django_capture_on_commit_callbacks):
    _survey, distribution, people = audience
    with django_capture_on_commit_callbacks(execute=True):
        distribution_launch(distribution_id=distribution.pk)
    Invitation.objects.filter(customer=people["anna"]).update(responded_at=timezone.now(), opened_at=timezone.now())
    page = admin_client.get("/admin/surveys/distribution/", headers={"accept-language": "en"}).content.decode()
    assert "0 queued · 2 sent · 0 failed · 1 opened · 1 responded" in page
    assert '<td class="field-response_rate">50%</td>' in page


def test_admin_can_email_invitations_made_by_hand(admin_client, audience, django_capture_on_commit_callbacks):
    survey, _distribution, people = audience
    invitation = InvitationFactory(survey=survey, customer=people["ben"])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/admin/surveys/invitation/", {"action": "email", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert (invitation.delivery, invitation.channel, len(mail.outbox)) == ("sent", "email", 1)
    assert mail.outbox[0].to == [people["ben"].email]
