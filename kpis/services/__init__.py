"""Writes of the kpis app: measurements (measurements.py) and recognition (recognition.py)."""
