"""The surveys app's records; each module holds one sub-domain."""

from surveys.models.complaints import *  # noqa: F403
from surveys.models.desk import *  # noqa: F403
from surveys.models.rollups import *  # noqa: F403
from surveys.models.sending import *  # noqa: F403
from surveys.models.surveys import *  # noqa: F403
from surveys.models.text import *  # noqa: F403
