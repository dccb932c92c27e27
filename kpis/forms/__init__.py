"""Forms of the kpis app: recognising a colleague (recognition.py)."""
