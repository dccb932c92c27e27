"""E-mail that leaves when the database transaction around it commits, so a killed worker sends nothing twice.

An SMTP server takes a message over when it answers the line that ends the message's data (RFC 5321 §4.1.1.4);
if the connection drops before that line, it discards the message. `send_on_commit` hands the whole message to
the server inside the transaction but holds back that last line until the transaction has committed:

- killed or rolled back before the commit: the connection closes, the server discards the message and the record
  still says "not sent", so the retry sends it once;
- after the commit: the last line goes out at once. Only the moment between the commit and that write (microseconds,
  not the SMTP round trips and the commit that sending first and committing after would leave open) can still lose
  a message, and no order of two systems can close it completely.

Backends other than SMTP (console, file, memory in tests) send at once, inside the transaction.
"""

import re
import smtplib
import weakref

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import transaction


class NotAccepted(smtplib.SMTPException):
    """The server did not take the message at the end of its data, after the transaction had committed: the caller
    must undo its "sent" record. A subclass of SMTPException, so tasks retry it like any other SMTP error."""


def send_on_commit(message: EmailMessage) -> None:
    """Send `message` when the current transaction commits, handing it to the SMTP server now (see the module).

    Errors before the end of the data (connection, sender, recipients) are raised here, inside the transaction;
    a refusal at the end is raised as NotAccepted from the commit. Outside a transaction the message is sent at once.
    """
    if not message.recipients():
        return
    backend = message.get_connection()
    if not isinstance(backend, SMTPBackend) or not transaction.get_connection().in_atomic_block:
        message.send()
        return
    held = HeldMessage(backend, message)
    transaction.on_commit(held.release)


class HeldMessage:
    """A message handed to the SMTP server except the line that ends its data."""

    def __init__(self, backend: SMTPBackend, message: EmailMessage):
        backend.open()
        self.backend = backend
        smtp = backend.connection
        # A rollback drops this object with the on-commit callback: closing the socket makes the server discard it.
        weakref.finalize(self, smtp.close)
        encoding = message.encoding or settings.DEFAULT_CHARSET
        sender = sanitize_address(message.from_email, encoding)
        recipients = [sanitize_address(address, encoding) for address in message.recipients()]
        data = message.message().as_bytes(linesep="\r\n")
        try:
            smtp.ehlo_or_helo_if_needed()
            options = [f"size={len(data)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
            code, reply = smtp.mail(sender, options)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            refused = {}
            for recipient in recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    refused[recipient] = (code, reply)
            if len(refused) == len(recipients):
                raise smtplib.SMTPRecipientsRefused(refused)
            code, reply = smtp.docmd("data")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            body = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing, as smtplib does
            smtp.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        except (smtplib.SMTPException, OSError):
            smtp.close()
            raise

    def release(self) -> None:
        """Send the line that ends the data and read the server's answer (run on commit)."""
        smtp = self.backend.connection
        try:
            smtp.send(b".\r\n")
            code, reply = smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            raise NotAccepted(f"connection lost at the end of the data: {error}") from error
        if code != 250:
            smtp.close()
            raise NotAccepted(f"{code} {reply.decode(errors='replace')}")
        try:
            self.backend.close()  # QUIT; the message is already the server's
        except (smtplib.SMTPException, OSError):
            smtp.close()
