"""The journeys app's records; each module holds one sub-domain."""

from journeys.models.importance import *  # noqa: F403
from journeys.models.journeys import *  # noqa: F403
