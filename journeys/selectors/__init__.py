"""Reads of the journeys app: touchpoint scores and importance (scores.py), the live map (maps.py) and the
customer timeline (timeline.py)."""
