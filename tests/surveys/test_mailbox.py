"""The feedback mailbox against a real IMAP server (a private Debian dovecot): each message becomes exactly one case,
also when read twice or by two runs at once; broken and automatic messages never stop a run; the owner answers
from the case in the customer's own thread."""

import imaplib
import re
import threading
from email.message import EmailMessage

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from surveys.models import Complaint, FollowUp, FollowUpEvent
from surveys.services.mailbox import UNREADABLE_KEYWORD, feedback_mailbox_read
from surveys.tasks import read_feedback_mailbox
from tests.surveys.dovecot import dovecot_binary, private_dovecot

DOVECOT = dovecot_binary()
needs_dovecot = pytest.mark.skipif(
    DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd; `make test` does it as root)"
)
NOTHING = {"read": 0, "opened": 0, "answers": 0, "duplicates": 0, "automatic": 0, "unreadable": 0}


@pytest.fixture(scope="module")
def dovecot():
    with private_dovecot(DOVECOT) as server:
        yield server


@pytest.fixture
def mailbox(dovecot, settings):
    """The test dovecot's INBOX, emptied, as the program's feedback mailbox."""
    connection = dovecot.connect()
    _status, (count,) = connection.select("INBOX")
    if int(count):
        connection.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
        connection.expunge()
    connection.logout()
    settings.FEEDBACK_IMAP_HOST, settings.FEEDBACK_IMAP_PORT = dovecot.host, dovecot.port
    settings.FEEDBACK_IMAP_USER, settings.FEEDBACK_IMAP_PASSWORD = dovecot.user, dovecot.password
    settings.FEEDBACK_IMAP_TLS, settings.FEEDBACK_IMAP_FOLDER = False, "INBOX"
    return dovecot


def utf8_message(message_id: str, sender: str, subject: str, text: str, *, html: str = "", attach: bool = False):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, "feedback@shop.example", subject
    message["Message-ID"] = message_id
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    if attach:
        message.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="чек.pdf")
    return message.as_bytes()


def unseen(mailbox) -> None:
    connection = mailbox.connect()
    connection.select("INBOX")
    connection.store("1:*", "-FLAGS.SILENT", r"(\Seen)")
    connection.logout()


def windows_1251_message() -> bytes:
    """As an old Windows mail client writes it: 8-bit windows-1251 body, the subject as an encoded word."""
    return (
        b"From: =?windows-1251?B?" + _b64("Пётр Сидоров") + b"?= <petr@mail.example>\r\n"
        b"To: feedback@shop.example\r\n"
        b"Subject: =?windows-1251?B?" + _b64("Претензия") + b"?=\r\n"
        b"Message-ID: <cp1251-1@mail.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=windows-1251\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + "Магазин south-store: кассир нагрубил, очередь стояла полчаса.\r\n".encode("windows-1251")
    )


def _b64(text: str) -> bytes:
    import base64

    return base64.b64encode(text.encode("windows-1251"))


def three_messages(mailbox) -> None:
    mailbox.deliver(
        utf8_message(
            "<ru-1@mail.example>",
            "Анна Иванова <anna@mail.example>",
            "Жалоба на магазин north-store",
            "Курьер опоздал на три часа, а заказ собрали не полностью.",
            attach=True,
        )
    )
    mailbox.deliver(
        utf8_message(
            "<en-1@mail.example>",
            "John Smith <john@mail.example>",
            "Broken kettle",
            "",
            html="<html><body><p>The kettle broke after <b>two</b> days &amp; nobody answers.</p>"
            "<script>alert(1)</script></body></html>",
        )
    )
    mailbox.deliver(windows_1251_message())


@needs_dovecot
@pytest.mark.django_db
def test_each_message_becomes_exactly_one_case_also_when_read_twice(mailbox, org):
    three_messages(mailbox)

    assert read_feedback_mailbox.delay().get() == {**NOTHING, "read": 3, "opened": 3}
    assert read_feedback_mailbox.delay().get() == NOTHING  # all seen now
    unseen(mailbox)  # someone marks them unread in their mail client: read again, still one case each
    assert feedback_mailbox_read() == feedback_mailbox_read().__class__(read=3, duplicates=3)

    complaints = {c.message_id: c for c in Complaint.objects.select_related("followup__owner__user", "unit")}
    assert sorted(complaints) == ["<cp1251-1@mail.example>", "<en-1@mail.example>", "<ru-1@mail.example>"]
    anna, john, petr = (
        complaints["<ru-1@mail.example>"],
        complaints["<en-1@mail.example>"],
        complaints["<cp1251-1@mail.example>"],
    )
    assert (anna.channel, anna.author_handle, anna.author_email, anna.subject) == (
        "email", "Анна Иванова", "anna@mail.example", "Жалоба на магазин north-store",
    )  # fmt: skip
    assert anna.text == "Жалоба на магазин north-store\n\nКурьер опоздал на три часа, а заказ собрали не полностью."
    assert (anna.unit.code, anna.followup.owner.user.username) == ("north-store", "store.manager")
    assert anna.followup.response.language == "ru"
    # HTML only: its text, no markup, no script; no store named: the CX leads' queue.
    assert john.text == "Broken kettle\n\nThe kettle broke after two days & nobody answers."
    assert (john.unit, john.followup.owner, john.followup.response.language) == (None, None, "en")
    assert (petr.author_handle, petr.subject) == ("Пётр Сидоров", "Претензия")
    assert petr.text == "Претензия\n\nМагазин south-store: кассир нагрубил, очередь стояла полчаса."
    assert (petr.unit.code, petr.followup.owner.user.username) == ("south-store", "south.manager")
    assert FollowUp.objects.count() == 3
    assert all(r"\Seen" in line for line in mailbox.flags())


@needs_dovecot
@pytest.mark.django_db
def test_broken_and_automatic_messages_are_set_aside_and_the_run_goes_on(mailbox, org):
    mailbox.deliver(b"From: nobody@mail.example\r\nMessage-ID: <empty@mail.example>\r\n\r\n\r\n")  # nothing to say
    bounce = EmailMessage()
    bounce["From"], bounce["Subject"] = "MAILER-DAEMON@mail.example", "Undelivered Mail Returned to Sender"
    bounce["Auto-Submitted"] = "auto-replied"
    bounce.set_content("Delivery failed")
    mailbox.deliver(bounce.as_bytes())
    mailbox.deliver(b"\x00\xff\xfe garbage that is no message at all \x00")
    mailbox.deliver(utf8_message("<ok@mail.example>", "ok@mail.example", "Thanks", "Всё хорошо, спасибо"))

    assert feedback_mailbox_read().as_dict() == {**NOTHING, "read": 4, "opened": 2, "automatic": 1, "unreadable": 1}
    # The empty one stays unseen for a person, flagged so that no run reads it again.
    flags = mailbox.flags()
    assert UNREADABLE_KEYWORD in flags[0] and r"\Seen" not in flags[0]
    assert all(r"\Seen" in line for line in flags[1:])
    assert feedback_mailbox_read().as_dict() == NOTHING
    # The garbage has no Message-ID: it got one made from its bytes, so a second read would still be one case.
    assert sorted(Complaint.objects.values_list("subject", flat=True)) == ["", "Thanks"]


@needs_dovecot
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_make_one_case_per_message(mailbox, org):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL; SQLite serialises writers")
    for n in range(8):
        mailbox.deliver(utf8_message(f"<race-{n}@mail.example>", "race@mail.example", f"Жалоба {n}", "Долго ждал"))
    barrier = threading.Barrier(2)
    runs = []

    def run() -> None:
        try:
            barrier.wait()
            runs.append(feedback_mailbox_read())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(runs) == 2
    assert sum(r.opened for r in runs) == 8
    assert sum(r.opened + r.duplicates for r in runs) == sum(r.read for r in runs)
    assert Complaint.objects.count() == FollowUp.objects.count() == 8


@needs_dovecot
@pytest.mark.django_db
def test_a_wrong_password_fails_the_run_and_opens_nothing(mailbox, settings, org):
    mailbox.deliver(utf8_message("<pw@mail.example>", "a@mail.example", "Hello", "Text"))
    settings.FEEDBACK_IMAP_PASSWORD = "wrong"
    with pytest.raises(imaplib.IMAP4.error):
        feedback_mailbox_read()
    assert Complaint.objects.count() == 0
    assert r"\Seen" not in mailbox.flags()[0]


@needs_dovecot
@pytest.mark.django_db
def test_the_owner_answers_in_the_customers_thread_once(mailbox, org, client):
    mailbox.deliver(
        utf8_message("<thread-1@mail.example>", "Анна <anna@mail.example>", "Жалоба north-store", "Нагрубили")
    )
    feedback_mailbox_read()
    case = FollowUp.objects.get()
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(case.get_absolute_url(), headers={"accept-language": "ru"}).content.decode()
    assert 'value="Re: Жалоба north-store"' in page
    assert "anna@mail.example" in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    form = {"subject": "Re: Жалоба north-store", "body": "Анна, простите нас. Управляющий.", "key": key}

    first = client.post(reverse("followup-act", args=[case.pk, "reply"]), form)
    again = client.post(reverse("followup-act", args=[case.pk, "reply"]), form)  # a double click

    assert (first.status_code, again.status_code) == (302, 302)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert (sent.to, sent.subject, sent.body) == (
        ["anna@mail.example"], "Re: Жалоба north-store", "Анна, простите нас. Управляющий.",
    )  # fmt: skip
    headers = sent.message()
    assert (headers["In-Reply-To"], headers["References"]) == ("<thread-1@mail.example>", "<thread-1@mail.example>")
    case.refresh_from_db()
    assert case.status == "contacted" and case.first_contact_at is not None
    assert case.events.filter(kind=FollowUpEvent.Kind.REPLIED).count() == 1

    # Anna answers in the thread: her words go into the case's history, not into a new case; read twice, once.
    ours = headers["Message-ID"]
    answer = EmailMessage()
    answer["From"], answer["Subject"], answer["Message-ID"] = "anna@mail.example", "Re: Re: Жалоба", "<a2@mail.example>"
    answer["In-Reply-To"], answer["References"] = ours, f"<thread-1@mail.example> {ours}"
    answer.set_content("Спасибо, жду звонка.\n\nВ пн, Управляющий написал:\n> Анна, простите нас.")
    mailbox.deliver(answer.as_bytes())
    assert feedback_mailbox_read().as_dict() == {**NOTHING, "read": 1, "answers": 1}
    unseen(mailbox)
    assert feedback_mailbox_read().as_dict() == {**NOTHING, "read": 2, "duplicates": 2}
    assert Complaint.objects.count() == 1
    wrote = case.events.get(kind=FollowUpEvent.Kind.WROTE)
    assert wrote.text == "Спасибо, жду звонка."
    page = client.get(case.get_absolute_url(), headers={"accept-language": "ru"}).content.decode()
    assert "Клиент ответил письмом: Спасибо, жду звонка." in page
    # The next answer continues the thread: in reply to her latest message, the whole thread in References.
    client.post(reverse("followup-act", args=[case.pk, "reply"]), {"subject": "Re: Жалоба", "body": "Звоним."})
    second = mail.outbox[1].message()
    assert second["In-Reply-To"] == "<a2@mail.example>"
    assert second["References"] == f"<thread-1@mail.example> {ours} <a2@mail.example>"


@pytest.mark.django_db
def test_nothing_is_read_while_no_mailbox_is_configured(settings):
    settings.FEEDBACK_IMAP_HOST = ""
    assert read_feedback_mailbox.delay().get() == NOTHING
