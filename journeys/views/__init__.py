"""Pages of the journeys app: journey maps, touchpoints and priorities (journeys.py) and the customer timeline
(timeline.py)."""
