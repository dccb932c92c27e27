"""Forms of the surveys app: the hosted survey page (responses.py) and the results filters (results.py)."""
