"""Personal data typed into comments — e-mail addresses, phone numbers, payment card numbers — masked
before a comment is shown to someone who may not see it."""

import re

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DASHES = "\\-\u2010-\u2015\u2212"  # the hyphen-minus, Unicode's hyphens and dashes (a phone typed on a phone), minus
# 13–19 digits, optionally in groups: a card number when it passes the Luhn check.
CARD_RE = re.compile(rf"(?<!\d)(?:\d[\s{DASHES}]?){{12,18}}\d(?!\d)")
# A phone: optional +, then 10–15 digits with spaces, dashes, dots or brackets between them; glued to a word
# («тел89161234567») it is a phone all the same.
PHONE_RE = re.compile(rf"(?<![\d+])\+?\d(?:[\s().{DASHES}]{{0,3}}\d){{9,14}}(?!\d)")


def luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    if not luhn(digits):
        return _phone(match)  # a long number that is no card may still be someone's: hide it all the same
    return "•••• " + digits[-4:]


def _phone(match: re.Match) -> str:
    digits = re.sub(r"\D", "", match.group())
    return "•••" + digits[-2:]


def mask(text: str) -> str:
    """The text with e-mails, card numbers and phone numbers replaced (the last digits kept for reference)."""
    text = EMAIL_RE.sub("•••@•••", text)
    text = CARD_RE.sub(_card, text)
    return PHONE_RE.sub(_phone, text)


def could_reveal(term: str) -> bool:
    """Whether finding comments by `term` could tell someone who reads them masked what the mask hides: every phone,
    card number and e-mail address has a digit or an @, which the words of a comment need not have."""
    return "@" in term or any(char.isdigit() for char in term)


def has_personal_data(text: str) -> bool:
    return mask(text) != text
