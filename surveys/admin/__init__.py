"""Authoring for CX leads in the admin, one module per sub-domain; importing each module registers its screens."""

from surveys.admin import distribution, followups, responses, surveys, text  # noqa: F401
