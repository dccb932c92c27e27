"""The REST API of the surveys app: surveys, responses, invitations, metrics and follow-up cases; and the JSON
shapes of the surveys' webhook events."""
