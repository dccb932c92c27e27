"""What a results page may show before a slice reaches the minimum sample: plain counts, never a score."""

from dataclasses import dataclass

from django.db.models import Count, Q

from surveys.models import Question
from surveys.selectors.metrics import Slice, answers_in


@dataclass(frozen=True)
class BandCounts:
    promoters: int
    passives: int
    detractors: int


def pilot_counts(*, slice_: Slice, question: Question) -> BandCounts | None:
    """Promoters (9–10), passives (7–8) and detractors (0–6) of an NPS question, for a pilot below the minimum
    sample; None for anonymous surveys, whose small groups must not be told apart, and for other questions."""
    if question.type != Question.Type.NPS or slice_.survey is None or slice_.survey.anonymous:
        return None
    row = answers_in(slice_, question).aggregate(
        promoters=Count("pk", filter=Q(number__gte=9)),
        passives=Count("pk", filter=Q(number__gte=7, number__lte=8)),
        detractors=Count("pk", filter=Q(number__lte=6)),
    )
    return BandCounts(**row)
