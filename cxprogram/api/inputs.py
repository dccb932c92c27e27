"""Input guards every app's endpoints share: text keys in URLs and dates the database can store."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound

EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)


def date_in_range(value: date | datetime) -> None:
    """Refuse dates outside 1900–2999: a period that far out means a typing error, and the ends of Python's
    calendar cannot be converted between time zones."""
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValidationError(_("Enter a date between 1900-01-01 and 2999-12-31."), code="date_range")


class TextLookupMixin:
    """For views looked up by a text key (external id, public id): a key no row can have is simply not found,
    before it reaches the database (PostgreSQL refuses NUL characters in text)."""

    def get_object(self):
        key = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, "")
        if "\x00" in str(key):
            raise NotFound
        return super().get_object()
