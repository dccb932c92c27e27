"""What customers talk about at each touchpoint: the top themes of the comments behind its score."""

from django.db.models import Count, Q

from journeys.selectors.scores import touchpoint_answers
from surveys.models import Sentiment, Theme
from surveys.selectors.metrics import Slice
from surveys.selectors.themes import root_case, theme_roots


def touchpoint_top_themes(
    touchpoint_ids: list[int], slice_: Slice, limit: int = 3
) -> dict[int, list[tuple[Theme, int, int]]]:
    """Per touchpoint, its most mentioned top-level themes in the slice: (theme, responses, negative ones) —
    from the responses whose answers measure it, in one grouped query."""
    roots, root_of = theme_roots()
    if not root_of or not touchpoint_ids:
        return {}
    rows = (
        touchpoint_answers(slice_, touchpoint_ids)
        .filter(response__theme_mentions__theme_id__in=list(root_of))
        .annotate(root=root_case(root_of, "response__theme_mentions__theme_id"))
        .values("tp", "root")
        .annotate(
            n=Count("response", distinct=True),
            negative=Count("response", distinct=True, filter=Q(response__theme_mentions__sentiment=Sentiment.NEGATIVE)),
        )
        .order_by("tp", "-n", "root")
    )
    result: dict[int, list[tuple[Theme, int, int]]] = {}
    for row in rows:
        bucket = result.setdefault(row["tp"], [])
        if len(bucket) < limit:
            bucket.append((roots[row["root"]], row["n"], row["negative"]))
    return result
