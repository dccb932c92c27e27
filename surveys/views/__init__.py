"""Pages of the surveys app: the hosted survey (responses.py, its question markup in question_blocks.py, its notices
and unsubscribing in notices.py), results (results.py), follow-ups (followups.py)."""
