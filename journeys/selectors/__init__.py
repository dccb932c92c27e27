"""Reads of the journeys app: touchpoint scores, the map and the customer timeline (scores.py)."""
