"""Writes of the journeys app: export, import and duplication of journeys (journeys.py)."""
