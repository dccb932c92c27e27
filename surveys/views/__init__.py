"""Pages of the surveys app: the hosted survey (responses.py), results (results.py), follow-ups (followups.py)."""
