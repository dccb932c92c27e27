"""Company values, recognitions, the points ledger and the celebration wall."""

__all__: list[str] = []
