"""KPI definitions and their computed measurements per subject and period."""

__all__: list[str] = []
