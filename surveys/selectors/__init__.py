"""Reads of the surveys app: the metric engine (metrics.py), results and follow-up queues (results.py), exports."""
