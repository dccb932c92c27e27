"""Reading a customer's e-mail: every charset Russian mail arrives in, HTML, attachments, hostile headers, the store
code it names, and the subject of the answer."""

import base64

import pytest

from surveys.inbound_mail import message_parse, named_unit_code, reply_subject, without_quotes

CODES = {"north-store", "south-store", "msk-1"}


def raw(headers: str, body: bytes, charset: str = "utf-8") -> bytes:
    return headers.replace("\n", "\r\n").encode(charset) + b"\r\n\r\n" + body


def test_koi8_r_declared_in_the_headers_and_the_body():
    subject = base64.b64encode("Жалоба на доставку".encode("koi8-r")).decode()
    message = message_parse(
        raw(
            f"From: shop <a@mail.example>\nSubject: =?koi8-r?B?{subject}?=\nMessage-ID: <k@mail.example>\n"
            "Content-Type: text/plain; charset=koi8-r",
            "Курьер опоздал на два часа".encode("koi8-r"),
        )
    )
    assert (message.subject, message.text, message.message_id) == (
        "Жалоба на доставку", "Курьер опоздал на два часа", "<k@mail.example>",
    )  # fmt: skip


def test_windows_1251_bytes_that_declare_no_charset_anywhere():
    message = message_parse(
        raw("From: Иван <ivan@mail.example>\nSubject: Жалоба msk-1", "Очередь на кассе".encode("cp1251"), "cp1251")
    )
    assert (message.sender_name, message.reply_to, message.subject, message.text) == (
        "Иван", "ivan@mail.example", "Жалоба msk-1", "Очередь на кассе",
    )  # fmt: skip


def test_quoted_printable_utf8_and_a_charset_that_does_not_exist():
    message = message_parse(
        raw(
            "From: a@mail.example\nSubject: Hi\nContent-Type: text/plain; charset=x-no-such-charset\n"
            "Content-Transfer-Encoding: quoted-printable",
            "Спасибо за помощь".encode().hex("=").upper().encode().join([b"=", b""]),
        )
    )
    assert message.text == "Спасибо за помощь"


def test_html_is_reduced_to_its_text_and_attachments_are_ignored():
    body = (
        b"--b\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Disposition: attachment; filename=x.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + "<style>p{color:red}</style><p>Цена &lt;b&gt; выше</p>".encode()
        + "<div>чем на&nbsp;сайте</div><img src=x onerror=y>".encode()
        + b"\r\n--b--\r\n"
    )
    message = message_parse(raw('From: a@mail.example\nContent-Type: multipart/mixed; boundary="b"', body))
    assert message.text == "Цена <b> выше\n\nчем на сайте"


def test_an_attachment_alone_gives_no_text():
    body = (
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\n"
        b"not the message\r\n--b--\r\n"
    )
    message = message_parse(raw('From: a@mail.example\nContent-Type: multipart/mixed; boundary="b"', body))
    assert message.text == ""


def test_reply_to_wins_and_a_bad_address_is_no_address():
    message = message_parse(raw("From: a@mail.example\nReply-To: Help <b@mail.example>", b"x"))
    assert message.reply_to == "b@mail.example"
    assert message_parse(raw("From: <<<@@@>>>", b"x")).reply_to == ""
    assert message_parse(raw("From: victim@mail.example\r\nBcc: all@mail.example", b"x")).reply_to == (
        "victim@mail.example"
    )


def test_message_ids_that_could_break_a_header_or_the_column_are_replaced_by_a_stable_one():
    long_id = "<" + "x" * 300 + "@mail.example>"
    first = message_parse(raw(f"From: a@mail.example\nMessage-ID: {long_id}", b"x"))
    again = message_parse(raw(f"From: a@mail.example\nMessage-ID: {long_id}", b"other bytes"))
    assert first.message_id == again.message_id  # made from the id: the same message read again is the same case
    assert first.message_id.endswith("@cxprogram.invalid>") and len(first.message_id) < 100
    assert not first.is_threadable
    missing = message_parse(raw("From: a@mail.example", b"x"))
    assert missing.message_id == message_parse(raw("From: a@mail.example", b"x")).message_id
    folded = message_parse(raw("From: a@mail.example\nMessage-ID:\n <folded@mail.example>", b"x"))
    assert folded.message_id == "<folded@mail.example>"


def test_nul_and_control_characters_never_reach_the_database():
    message = message_parse(raw("From: a@mail.example\nSubject: a\x07b", b"one\x00two\x1b[31m\r\n\r\n\r\n\r\nthree"))
    assert (message.subject, message.text) == ("a b", "onetwo[31m\n\nthree")


@pytest.mark.parametrize(
    ("headers", "automatic"),
    [
        ("From: MAILER-DAEMON@mail.example", True),
        ("From: a@mail.example\nAuto-Submitted: auto-replied", True),
        ("From: a@mail.example\nPrecedence: bulk", True),
        ("From: a@mail.example\nAuto-Submitted: no", False),
        ("From: a@mail.example", False),
    ],
)
def test_bounces_and_auto_replies_are_recognised(headers, automatic):
    assert message_parse(raw(headers, b"x")).automatic is automatic


@pytest.mark.parametrize(
    ("subject", "text", "code"),
    [
        ("Жалоба: North-Store", "south-store тоже плох", "north-store"),  # the subject wins, any case
        ("Жалоба", "был в магазине msk-1, кассир грубил", "msk-1"),
        ("north-store и south-store", "msk-1", None),  # two named: a person picks
        ("Жалоба", "магазин msk-10 и msk-1x", None),  # only whole codes
        ("", "", None),
    ],
)
def test_the_store_a_message_names(subject, text, code):
    assert named_unit_code(subject, text, CODES) == code


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("Жалоба", "Re: Жалоба"), ("Re: Жалоба", "Re: Жалоба"), ("RE:  x", "RE: x"), ("Отв: x", "Отв: x"), ("", "Re:")],
)
def test_the_answer_subject(subject, expected):
    assert reply_subject(subject) == expected


def test_the_thread_a_message_answers_and_its_own_words():
    message = message_parse(
        raw(
            "From: a@mail.example\nIn-Reply-To: <b@cx.example>\n"
            "References: <a@mail.example>\n <b@cx.example> junk <no-at-sign>",
            "Спасибо!\n\nOn Mon, Shop wrote:\n> Простите нас\n>> ещё раньше".encode(),
        )
    )
    assert message.references == ("<b@cx.example>", "<a@mail.example>")
    assert without_quotes(message.text) == "Спасибо!"
