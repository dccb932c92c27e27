"""JSON bodies with limits: size, nesting depth and NUL characters are refused with a 4xx before any view runs.

Without them a body nested a thousand levels deep ends in a RecursionError (a 500), a huge one holds a worker
while it is parsed, and a NUL in any text reaches PostgreSQL, which refuses it (another 500)."""

import codecs
import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class GuardedJSONParser(JSONParser):
    """DRF's JSON parser (NaN and Infinity already refused) with API_MAX_BODY_BYTES, API_MAX_JSON_DEPTH and no NUL."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(size)d KB; send fewer rows at a time.") % {"size": limit // 1024}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.decode(body, encoding)
            data = json.loads(text, parse_constant=self._refuse_constant)
        except RecursionError:
            raise exceptions.ParseError(self._too_deep()) from None
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
        if (where := _nul_or_depth(data, settings.API_MAX_JSON_DEPTH)) is not None:
            problem, path = where
            if problem == "depth":
                raise exceptions.ParseError(self._too_deep())
            raise exceptions.ParseError(
                _("The text at “%(path)s” contains a NUL character, which is not allowed.") % {"path": path or "/"}
            )
        return data

    @staticmethod
    def _refuse_constant(name: str):
        raise ValueError(_("%(name)s is not a number JSON allows.") % {"name": name})

    @staticmethod
    def _too_deep() -> str:
        return _("The JSON is nested more than %(depth)d levels deep.") % {"depth": settings.API_MAX_JSON_DEPTH}


def _nul_or_depth(data, max_depth: int) -> tuple[str, str] | None:
    """("depth", path) or ("nul", path) for the first problem found, walking without recursion; None if clean."""
    pending = [(data, "", 1)]
    while pending:
        value, path, depth = pending.pop()
        if isinstance(value, dict):
            if depth > max_depth:
                return "depth", path
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if "\x00" in key:
                    return "nul", child
                pending.append((item, child, depth + 1))
        elif isinstance(value, list):
            if depth > max_depth:
                return "depth", path
            pending.extend(
                (item, f"{path}.{index}" if path else str(index), depth + 1) for index, item in enumerate(value)
            )
        elif isinstance(value, str) and "\x00" in value:
            return "nul", path
    return None
