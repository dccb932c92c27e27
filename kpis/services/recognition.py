"""Recognitions, points and celebrations."""


def achievement_record(*, measurement) -> None:
    """Called by the measurement service when a measurement is met: award the KPI's points once and
    post a celebration. Idempotent: recomputing a met measurement awards nothing new.
    (To be implemented by the recognition work.)"""
    return None
