"""Forms of the journeys app: the map's filters (journeys.py)."""
