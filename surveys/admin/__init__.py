"""Authoring for CX leads in the admin; importing each module registers its screens."""

from surveys.admin import (
    surveys,  # noqa: F401
    text,  # noqa: F401
)
