"""Pages of the journeys app: journey maps, touchpoints, priorities and the customer timeline (journeys.py)."""
