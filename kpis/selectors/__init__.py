"""Reads of the kpis app: KPI figures and pages (kpi.py), recognition and the wall (recognition.py)."""
