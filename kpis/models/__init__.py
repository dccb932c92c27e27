"""KPIs and their measurements (kpi.py); company values, recognitions and points (recognition.py)."""

from .kpi import *  # noqa: F403
from .recognition import *  # noqa: F403
