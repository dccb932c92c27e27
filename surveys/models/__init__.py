"""The surveys app's records; each module holds one sub-domain."""

from surveys.models.surveys import *  # noqa: F403
