"""Authoring of KPIs (kpi.py) and of company values and recognitions (recognition.py) in the admin; importing
each module registers its screens."""

from kpis.admin import kpi, recognition  # noqa: F401
