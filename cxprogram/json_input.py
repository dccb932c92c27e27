"""JSON from outside (API bodies, uploaded files) read with limits: no NaN or Infinity, no NUL characters, no nesting
deeper than asked. Python's parser accepts the first two and ends the third in a RecursionError."""

import json

from django.utils.translation import gettext as _


class JsonRefused(ValueError):
    """The JSON cannot be used; the message says why (and where), in the user's language."""


def json_parse(text: str, *, max_depth: int) -> object:
    """The document in `text`, or JsonRefused naming the first problem."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonRefused(too_deep(max_depth)) from None
    except ValueError as error:
        raise JsonRefused(_("JSON parse error: %(error)s") % {"error": error}) from None
    problem = _nul_or_depth(data, max_depth)
    if problem == ("depth", None):
        raise JsonRefused(too_deep(max_depth))
    if problem is not None:
        raise JsonRefused(
            _("The text at “%(path)s” contains a NUL character, which is not allowed.") % {"path": problem[1] or "/"}
        )
    return data


def too_deep(max_depth: int) -> str:
    return _("The JSON is nested more than %(depth)d levels deep.") % {"depth": max_depth}


def _refuse_constant(name: str):
    raise ValueError(_("%(name)s is not a number JSON allows.") % {"name": name})


def _nul_or_depth(data, max_depth: int) -> tuple[str, str | None] | None:
    """("depth", None) or ("nul", path) for the first problem found, walking without recursion; None if clean."""
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict | list) and depth > max_depth:
            return "depth", None
        if isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return "nul", child
                pending.append((item, child, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, f"{path}.{n}" if path else str(n), depth + 1) for n, item in enumerate(value))
        elif isinstance(value, str) and "\x00" in value:
            return "nul", path
    return None
