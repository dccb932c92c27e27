"""Serializers of the surveys' endpoints, one module per resource. Fields are explicit; scores, status and
ownership are never taken from a client except through the services that own their rules."""
