"""Reads of the journeys app: live touchpoint scores, the journey map, moments of truth, a customer's timeline.

`touchpoint_owner_unit` is also reached by the closed loop through settings, never by importing this app.
"""

from django.db.models import F, Q, QuerySet

from cxprogram.models import Unit
from surveys.metrics import Slice, slice_filter
from surveys.models import Answer

from .models import Touchpoint

MEASURE = "question__touchpoint_measures__"


def touchpoint_owner_unit(touchpoint_code: str) -> Unit | None:
    """The unit that owns the touchpoint with this code (the closed loop's second choice of case owner)."""
    if not touchpoint_code:
        return None
    touchpoint = Touchpoint.objects.select_related("owner_unit").filter(code=touchpoint_code).first()
    return touchpoint.owner_unit if touchpoint else None


def touchpoint_answers(slice_: Slice, touchpoint_ids: list[int] | QuerySet | None = None) -> QuerySet[Answer]:
    """The scored answers that measure touchpoints within a slice, one row per answer and touchpoint,
    annotated with `tp` (the touchpoint id). A measure marked `tagged_only` counts only responses that
    carry its touchpoint's code."""
    measured = Q(**{f"{MEASURE}tagged_only": False}) | Q(response__touchpoint=F(f"{MEASURE}touchpoint__code"))
    if touchpoint_ids is not None:
        measured &= Q(**{f"{MEASURE}touchpoint__in": touchpoint_ids})
    # One filter() call, so the measure join is shared by the condition and the `tp` annotation.
    return (
        Answer.objects.filter(measured & slice_filter(slice_, "response__"), number__isnull=False)
        .annotate(tp=F(f"{MEASURE}touchpoint"))
        .order_by()
    )
