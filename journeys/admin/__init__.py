"""Authoring of journeys in the admin; importing each module registers its screens."""

from journeys.admin import journeys  # noqa: F401
