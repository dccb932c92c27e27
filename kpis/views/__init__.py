"""Pages of the kpis app: KPI pages (kpi.py) and recognition (recognition.py)."""
