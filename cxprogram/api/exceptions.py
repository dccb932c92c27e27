"""Errors as JSON: `{"detail": "...", "code": "...", "errors": {"field": ["message", ...]}}`.

`errors` is present for invalid input only; nested fields are named with dots (`answers.nps`,
`customers.2.email`). Validation errors raised by services (Django's ValidationError) read the same."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def json_exception_handler(exc, context):
    """DRF's handler with one JSON shape for every error, including services' Django ValidationErrors."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages})
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(exc.detail)
        general = errors.get(NON_FIELD)
        response.data = {
            "detail": " ".join(general) if general else _("The request has errors; see the messages per field."),
            "code": "invalid",
            "errors": errors,
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"detail": str(detail), "code": code}
    return response


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """{"a": {"b": ["x"]}, "c": [{"d": ["y"]}]} → {"a.b": ["x"], "c.0.d": ["y"]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == NON_FIELD and prefix:
                name = prefix
            flat_child = flatten_errors(value, name)
            for child_key, messages in flat_child.items():
                flat.setdefault(child_key, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            flat.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item:
                    for child_key, messages in flatten_errors(
                        item, f"{prefix}.{index}" if prefix else str(index)
                    ).items():
                        flat.setdefault(child_key, []).extend(messages)
    else:
        flat.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return flat
