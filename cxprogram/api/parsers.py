"""JSON bodies with limits: size, nesting depth, NaN/Infinity and NUL characters are refused with a 4xx before any
view runs.

Without them a body nested a thousand levels deep ends in a RecursionError (a 500), a huge one holds a worker
while it is parsed, and a NUL in any text reaches PostgreSQL, which refuses it (another 500)."""

import codecs

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from cxprogram.json_input import JsonRefused, json_parse


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class GuardedJSONParser(JSONParser):
    """JSON with API_MAX_BODY_BYTES, API_MAX_JSON_DEPTH, no NaN or Infinity and no NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(size)d KB; send fewer rows at a time.") % {"size": limit // 1024}
            )
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_parse(codecs.decode(body, encoding), max_depth=settings.API_MAX_JSON_DEPTH)
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error}) from None
        except JsonRefused as refused:
            raise exceptions.ParseError(str(refused)) from None
