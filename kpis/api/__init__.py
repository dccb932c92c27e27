"""The REST API of the kpis app: KPI definitions and measurements, recognitions and the caller's points."""
