"""Reads of recognitions, points and the employee pulse for the employee and team pages."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecognitionSummary:
    """What /me/ shows about an employee's recognitions: recent ones, the points balance and allowance left."""

    recent: list = field(default_factory=list)
    balance: int = 0
    allowance_left: int = 0


def recognition_summary(employee) -> RecognitionSummary:
    """(To be implemented by the recognition work.)"""
    return RecognitionSummary()


def recognition_suggestions(unit) -> list:
    """Customer comments that praise an employee of the unit's subtree, for the manager to turn into a recognition.
    (To be implemented by the recognition work.)"""
    return []


def unit_enps(unit):
    """The unit's employee NPS from the employee pulse (a surveys.metrics.Figure), hidden below 5 answers.
    (To be implemented by the recognition work.)"""
    return None
