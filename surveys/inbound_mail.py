"""A customer's e-mail as the program reads it: the Message-ID, who to answer, the subject and the text, decoded
whatever the charset (koi8-r and windows-1251 included, declared or not), text/plain preferred to HTML, HTML
reduced to its text, attachments ignored; and the unit the message names by its code. Pure: no database, no
network."""

import hashlib
import re
from dataclasses import dataclass
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses
from html.parser import HTMLParser

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# A message without a usable Message-ID gets one made from its bytes (the same on every read, so it is still
# deduplicated); such an id is nobody's thread, so an answer is not threaded to it.
SYNTHETIC_ID_DOMAIN = "cxprogram.invalid"
MAX_ID_LENGTH = 255
MAX_TEXT_LENGTH = 20000
MAX_SUBJECT_LENGTH = 300
# Bytes that say nothing about their charset are tried as UTF-8 first, then as windows-1251 (which decodes any
# byte; Russian mail that is not UTF-8 is nearly always windows-1251 or koi8-r, and koi8-r is always declared).
FALLBACK_CHARSETS = ("utf-8", "windows-1251")
AUTOMATIC_SENDERS = {"mailer-daemon", "postmaster"}
BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "hr"}
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
CODE_TOKEN_RE = re.compile(r"[\w-]+")
MESSAGE_ID_RE = re.compile(r"<[^<>\s]+@[^<>\s]+>")


@dataclass(frozen=True)
class InboundMessage:
    """One parsed message; `reply_to` is '' when the message gives no valid address to answer."""

    message_id: str
    reply_to: str
    sender_name: str
    subject: str
    text: str
    automatic: bool  # a bounce or an auto-reply: never a case (and never answered, which would loop)
    references: tuple[str, ...] = ()  # the ids of In-Reply-To and References: the thread it answers

    @property
    def is_threadable(self) -> bool:
        return not self.message_id.endswith(f"@{SYNTHETIC_ID_DOMAIN}>")


def message_parse(raw: bytes) -> InboundMessage:
    """Parse a message as fetched from the mailbox (RFC 5322 bytes). Never raises on odd charsets or headers:
    undecodable bytes become replacement characters."""
    message = message_from_bytes(raw)
    fallback = _declared_charset(message)
    subject = _clean(_header(message, "Subject", fallback), single_line=True)[:MAX_SUBJECT_LENGTH]
    sender_name, sender = _address(_header(message, "From", fallback))
    _name, reply_to = _address(_header(message, "Reply-To", fallback))
    return InboundMessage(
        message_id=_message_id(message, raw),
        reply_to=reply_to or sender,
        sender_name=sender_name[:200],
        subject=subject,
        text=_clean(_body(message, fallback))[:MAX_TEXT_LENGTH],
        automatic=_is_automatic(message, sender),
        references=_references(message),
    )


def reply_subject(subject: str) -> str:
    """The subject of an answer in the customer's thread: "Re: " once, whatever the customer's mail client wrote."""
    subject = " ".join(subject.split())
    if re.match(r"(?i)^(re|ha|отв|ответ)\s*:", subject):
        return subject
    return f"Re: {subject}" if subject else "Re:"


def named_unit_code(subject: str, text: str, codes: set[str]) -> str | None:
    """The unit code (lower case) a message names: the one code found in the subject, else the one in the text;
    None when none is named or several are (a person then picks)."""
    for part in (subject, text):
        found = {token.lower() for token in CODE_TOKEN_RE.findall(part)} & codes
        if len(found) == 1:
            return found.pop()
        if found:
            return None
    return None


def _decode(data: bytes, charset: str | None) -> str:
    for candidate in (charset, *FALLBACK_CHARSETS):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def _declared_charset(message: Message) -> str | None:
    """The first charset any text part declares: the best guess for raw 8-bit bytes in the headers."""
    for part in message.walk():
        charset = part.get_content_charset()
        if charset and charset not in ("us-ascii", "unknown-8bit"):
            return charset
    return None


def _header(message: Message, name: str, fallback: str | None) -> str:
    # The raw value: raw 8-bit bytes are still there as surrogates (a parsed header would have replaced them).
    value = next((str(v) for k, v in message.raw_items() if k.lower() == name.lower()), None)
    if value is None:
        return ""
    try:
        chunks = decode_header(value)
    except (ValueError, LookupError):  # a broken encoded word: read it as it stands
        chunks = [(value, None)]
    text = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):  # no encoded words: raw 8-bit bytes arrive as surrogates
            chunk, charset = chunk.encode("utf-8", "surrogateescape"), None
        text.append(_decode(chunk, charset or fallback))
    return "".join(text)


def _address(value: str) -> tuple[str, str]:
    """(display name, address) of the header's first address; the address is '' when it is not valid."""
    pairs = getaddresses([value]) if value else []
    if not pairs:
        return "", ""
    name, address = pairs[0]
    name = _clean(name, single_line=True)
    try:
        validate_email(address)
    except ValidationError:
        return name, ""
    return name, address


def _message_id(message: Message, raw: bytes) -> str:
    value = " ".join(str(message.get("Message-ID", "")).split())
    if value and "@" in value and len(value) <= MAX_ID_LENGTH and not CONTROL_RE.search(value):
        return value if value.startswith("<") else f"<{value.strip('<>')}>"
    source = value.encode("utf-8", "surrogateescape") if value else raw
    return f"<{hashlib.sha256(source).hexdigest()}@{SYNTHETIC_ID_DOMAIN}>"


def _references(message: Message) -> tuple[str, ...]:
    ids = []
    for name in ("In-Reply-To", "References"):
        for found in MESSAGE_ID_RE.findall(str(message.get(name, ""))):
            if len(found) <= MAX_ID_LENGTH and found not in ids:
                ids.append(found)
    return tuple(ids[:50])


def without_quotes(text: str) -> str:
    """An answer's own words: the quoted lines ("> ...") and the line introducing them are left out."""
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    while lines and (not lines[-1].strip() or re.search(r"(wrote|написал[аи]?)\s*:\s*$", lines[-1])):
        lines.pop()
    return "\n".join(lines).strip()


def _is_automatic(message: Message, sender: str) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return (
        auto != "no"
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get_content_type() == "multipart/report"
        or sender.split("@")[0].lower() in AUTOMATIC_SENDERS
    )


def _body(message: Message, fallback: str | None) -> str:
    """The first text/plain part that is not an attachment, else (or when it is blank) the first text/html one as
    text."""
    plain = html = None
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
    text = _part_text(plain, fallback) if plain is not None else ""
    if not text.strip() and html is not None:
        text = _html_text(_part_text(html, fallback))
    return text


def _part_text(part: Message, fallback: str | None) -> str:
    payload = part.get_payload(decode=True) or b""
    return _decode(payload, part.get_content_charset() or fallback)


class _TextOfHTML(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.hidden += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOfHTML()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(lines)


def _clean(text: str, *, single_line: bool = False) -> str:
    """No NUL or control characters (PostgreSQL cannot store NUL), one blank line at most, trimmed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if single_line:
        return " ".join(CONTROL_RE.sub(" ", text).split())
    text = CONTROL_RE.sub("", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
