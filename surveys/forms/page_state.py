"""The hosted survey's page state: the answers of earlier pages, the start time and the submission key, signed into
each page so that nothing is stored before the end; and the marks a browser adds to it."""

import hashlib
import secrets
import time

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

STATE_SALT = "surveys.state"
ANSWERED_COOKIE = "cx_answered"
ANSWERED_SALT = "surveys.answered"


def state_new() -> dict:
    """A first page view: no answers, started now, and a random key that its one response will carry."""
    return {"a": {}, "t": time.time(), "n": secrets.token_urlsafe(12)}


def state_dumps(state: dict, *, page: int, public_id: str) -> str:
    return signing.dumps({**state, "p": page}, salt=f"{STATE_SALT}:{public_id}", compress=True)


def state_loads(raw: str, *, public_id: str) -> tuple[dict, int]:
    """(state, page) of a signed page state; raises signing.SignatureExpired after SURVEY_STATE_MAX_AGE, and
    signing.BadSignature, KeyError, TypeError, ValueError or AttributeError when it is not one."""
    loaded = signing.loads(raw, salt=f"{STATE_SALT}:{public_id}", max_age=settings.SURVEY_STATE_MAX_AGE)
    state = {
        "a": {int(k): v for k, v in loaded["a"].items()},
        "t": float(loaded["t"]),
        "n": _key_of(loaded, raw),
        "c": str(loaded.get("c", "")),
    }
    return state, int(loaded["p"])


def state_key(raw: str, *, public_id: str) -> str | None:
    """The submission key of a signed page state of this survey, or None when it is not a valid one."""
    try:
        loaded = signing.loads(raw, salt=f"{STATE_SALT}:{public_id}", max_age=settings.SURVEY_STATE_MAX_AGE)
    except signing.BadSignature:
        return None
    return _key_of(loaded, raw) if isinstance(loaded, dict) else None


def _key_of(loaded: dict, raw: str) -> str:
    # States signed before keys existed get one from their own signature, so replaying them is refused too.
    return str(loaded.get("n") or hashlib.sha256(raw.encode()).hexdigest()[:24])


def human_token(key: str) -> str:
    """The value survey.js puts in the page once a person touches it: a sign of a browser, not a proof."""
    return salted_hmac("surveys.human", key).hexdigest()[:20]


def answered_salt(token: str) -> str:
    """The salt of the cookie that tells the browser which answered an invitation; valid for that token only."""
    return f"{ANSWERED_SALT}:{token}"
