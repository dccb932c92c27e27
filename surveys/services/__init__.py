"""Writes of the surveys app, one module per sub-domain: responses, distribution, followups; the JSON shapes of
the webhook events they emit (webhook_payloads.py)."""
