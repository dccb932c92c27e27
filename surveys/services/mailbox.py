"""The feedback mailbox: unseen messages read over IMAP become complaints from the e-mail channel, each a follow-up
case routed to the unit it names (a store code in the subject or text), else the CX leads' queue; a customer's
answer in the thread of an open case (by In-Reply-To or References) goes into that case's history instead.

A message is marked seen only after its case is committed, and its Message-ID is the complaint's unique id: a
message read twice (a run cut off before marking it, two runs at once) makes one case. A message that cannot be
read is logged, counted and flagged with a keyword so later runs skip it, and left unseen for a person to look at;
it never stops the run. Only trouble with the mailbox or the database ends a run (the next one carries on)."""

import contextlib
import imaplib
import logging
import ssl
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cxprogram.models import Channel, Unit
from surveys.inbound_mail import message_parse, named_unit_code, without_quotes
from surveys.selectors.complaints import open_case_answered, units_by_code
from surveys.services.complaints import Incoming, complaint_receive
from surveys.services.replies import followup_customer_wrote
from surveys.text.lemmas import detect_language

logger = logging.getLogger(__name__)

UNREADABLE_KEYWORD = "$CxUnreadable"
# Trouble that is not the message's fault: stop the run, leave the message unseen for the next one.
STOP_THE_RUN = (imaplib.IMAP4.error, OSError, OperationalError, InterfaceError)


@dataclass
class MailboxRun:
    """What one run did: messages looked at, cases opened, messages already known, automatic messages (bounces,
    auto-replies) set aside, and messages that could not be read."""

    read: int = 0
    opened: int = 0
    answers: int = 0  # a customer's answer in an open case's thread, added to that case
    duplicates: int = 0
    automatic: int = 0
    unreadable: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def feedback_mailbox_read(*, limit: int | None = None) -> MailboxRun:
    """Read the unseen messages of FEEDBACK_IMAP_FOLDER (at most `limit`, default FEEDBACK_IMAP_BATCH) into cases.
    Does nothing when FEEDBACK_IMAP_HOST is empty. Raises on mailbox or database trouble (after logging out)."""
    run = MailboxRun()
    if not settings.FEEDBACK_IMAP_HOST:
        return run
    connection = _connect()
    try:
        connection.login(settings.FEEDBACK_IMAP_USER, settings.FEEDBACK_IMAP_PASSWORD)
        status, _data = connection.select(_quoted(settings.FEEDBACK_IMAP_FOLDER))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open the folder {settings.FEEDBACK_IMAP_FOLDER!r}")
        status, data = connection.uid("SEARCH", None, "UNSEEN", "UNKEYWORD", UNREADABLE_KEYWORD)
        uids = data[0].split() if status == "OK" and data and data[0] else []
        units = units_by_code()
        for uid in uids[: limit or settings.FEEDBACK_IMAP_BATCH]:
            run.read += 1
            outcome = _read_one(connection, uid, units)
            setattr(run, outcome, getattr(run, outcome) + 1)
            flag = r"(\Seen)" if outcome != "unreadable" else f"({UNREADABLE_KEYWORD})"
            connection.uid("STORE", uid, "+FLAGS.SILENT", flag)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            connection.logout()
    if run.read:
        logger.info("feedback mailbox: %s", run.as_dict())
    return run


def _connect() -> imaplib.IMAP4:
    host, port, timeout = settings.FEEDBACK_IMAP_HOST, settings.FEEDBACK_IMAP_PORT, settings.FEEDBACK_IMAP_TIMEOUT
    if settings.FEEDBACK_IMAP_TLS:
        return imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
    return imaplib.IMAP4(host, port, timeout=timeout)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_one(connection: imaplib.IMAP4, uid: bytes, units: dict[str, Unit]) -> str:
    """The outcome of one message: 'opened', 'answers', 'duplicates', 'automatic' or 'unreadable'."""
    status, data = connection.uid("FETCH", uid, "(INTERNALDATE BODY.PEEK[])")
    parts = [item for item in data or [] if isinstance(item, tuple)] if status == "OK" else []
    if not parts:
        logger.warning("feedback mailbox: message %s could not be fetched (%s)", uid, status)
        return "unreadable"
    envelope, raw = parts[0]
    try:
        message = message_parse(raw)
        if message.automatic:
            return "automatic"
        if not message.text and not message.subject:
            raise ValueError("the message has neither a subject nor a text")
        answered = open_case_answered(message.references)
        if answered is not None:
            added = followup_customer_wrote(
                followup=answered, message_id=message.message_id, text=without_quotes(message.text)
            )
            return "answers" if added else "duplicates"
        code = named_unit_code(message.subject, message.text, set(units))
        text = f"{message.subject}\n\n{message.text}".strip() if message.subject else message.text
        _complaint, created = complaint_receive(
            incoming=Incoming(
                message_id=message.message_id,
                channel=Channel.EMAIL,
                text=text,
                author_handle=message.sender_name or message.reply_to,
                author_email=message.reply_to,
                subject=message.subject,
                unit=units[code] if code else None,
                received_at=_arrived(envelope),
                language=detect_language(text) or settings.LANGUAGE_CODE,
            )
        )
    except STOP_THE_RUN:
        raise
    except Exception:  # the message's own fault (its bytes, a value the database refuses): set it aside
        logger.exception(
            "feedback mailbox: message %s could not be read into a case; flagged %s", uid, UNREADABLE_KEYWORD
        )
        return "unreadable"
    return "opened" if created else "duplicates"


def _arrived(envelope: bytes) -> datetime:
    """When the message reached the mailbox (the server's INTERNALDATE; the sender's Date can say anything),
    never later than now."""
    now = timezone.now()
    stamp = imaplib.Internaldate2tuple(envelope)
    if stamp is None:
        return now
    return min(now, datetime.fromtimestamp(time.mktime(stamp), tz=UTC))
