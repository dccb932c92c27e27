"""Reads of the live journey map: stages as columns of touchpoint cards with their scores, the emotion curves,
and the improvement priorities."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, F, FloatField, Prefetch, Q, QuerySet
from django.db.models.functions import Cast

from journeys.charts import EmotionCurve, emotion_curve
from journeys.models import Improvement, Journey, Stage, Touchpoint, TouchpointMeasure
from journeys.selectors.importance import StoredImportance, importance_key, stored_importance, stored_importances
from journeys.selectors.scores import Importance, TouchpointScore, touchpoint_scores
from surveys.selectors.metrics import (
    Slice,
)


@dataclass(frozen=True)
class MapCard:
    """A touchpoint on the map: its score, its importance to overall NPS, and whether that makes it a computed
    moment of truth (`key`)."""

    score: TouchpointScore
    importance: Importance | None

    @property
    def touchpoint(self) -> Touchpoint:
        return self.score.touchpoint

    @property
    def key(self) -> bool:
        return is_key(self.importance)

    @property
    def fix_first(self) -> bool:
        return self.key and self.score.status == "below"


def is_key(importance: Importance | None) -> bool:
    """Whether a touchpoint's importance to overall NPS makes it a moment of truth."""
    return bool(importance and importance.enough and importance.r >= settings.JOURNEY_IMPORTANCE_HIGH)


@dataclass(frozen=True)
class StageColumn:
    stage: Stage
    cards: list[MapCard]
    expected: float | None  # mean expected emotion of the stage's touchpoints, −2..+2
    measured: float | None  # answers-weighted sentiment of its scored touchpoints, −2..+2


@dataclass(frozen=True)
class JourneyMap:
    journey: Journey
    columns: list[StageColumn]
    fix_first: list[MapCard]  # important to customers' NPS and below target, most important first
    curve: EmotionCurve | None
    importance: StoredImportance  # the importance figures' moment, or that they are being computed


def journey_touchpoints(journey: Journey) -> tuple[list[Stage], list[Touchpoint]]:
    """The journey's stages and touchpoints in map order, with measures, questions and open improvements (3 queries)."""
    open_items = Count("improvements", filter=Q(improvements__status__in=Improvement.OPEN))
    touchpoints = _in_map_order(Touchpoint.objects.filter(stage__journey=journey).select_related("owner_unit"))
    return list(journey.stages.order_by("order", "pk")), list(touchpoints.annotate(open_improvements=open_items))


def _in_map_order(touchpoints: QuerySet[Touchpoint]) -> QuerySet[Touchpoint]:
    """Touchpoints stage by stage in map order, their measures prefetched with questions and surveys."""
    measures = TouchpointMeasure.objects.select_related("question__survey")
    return touchpoints.prefetch_related(Prefetch("measures", measures)).order_by(
        "stage__order", "stage_id", "order", "pk"
    )


def journey_map(
    *,
    journey: Journey,
    slice_: Slice,
    previous: Slice | None,
    scope_unit_id: int | None = None,
    use_rollups: bool = True,
) -> JourneyMap:
    """The live map: every touchpoint's score against the previous period and its target (from the rollups), the
    stage sentiment curves, and the computed moments of truth from the importance stored for the period and scope
    (`scope_unit_id`: the viewer's unit subtree when `slice_.units_in_scope` limits it) — a fixed number of queries,
    whatever the number of responses. `map.importance.wanted` tells the caller to ask for a computation."""
    stages, touchpoints = journey_touchpoints(journey)
    importance = stored_importance(importance_key(journey, touchpoints, slice_, scope_unit_id))
    scores = touchpoint_scores(touchpoints, slice_, previous, use_rollups=use_rollups)
    cards = [MapCard(s, importance.figures.get(s.touchpoint.pk)) for s in scores]
    by_stage: dict[int, list[MapCard]] = {stage.pk: [] for stage in stages}
    for card in cards:
        by_stage[card.touchpoint.stage_id].append(card)
    columns = [_column(stage, by_stage[stage.pk]) for stage in stages]
    urgent = sorted((c for c in cards if c.fix_first), key=lambda c: -c.importance.r)
    return JourneyMap(journey, columns, urgent, emotion_curve(columns), importance)


def fix_first_cards(
    journeys: list[Journey], slice_: Slice, scope_unit_id: int | None = None
) -> tuple[list[tuple[Journey, MapCard]], list[tuple[Journey, StoredImportance]]]:
    """Across journeys, the cards each `journey_map(previous=None)` lists in its `fix_first`, most important first,
    and each journey's stored importance — scores read for the moments of truth only, in one pass whatever the
    number of journeys (three queries; a fourth when importance is stored, two more when it names a moment of truth)."""
    touchpoints = measured_touchpoints(journeys)
    keys = [importance_key(journey, touchpoints[journey.pk], slice_, scope_unit_id) for journey in journeys]
    stored = stored_importances(keys)
    moments = {}
    for journey, importance in zip(journeys, stored, strict=True):
        for touchpoint in touchpoints[journey.pk]:
            if is_key(figure := importance.figures.get(touchpoint.pk)):
                moments[touchpoint.pk] = (journey, figure)
    scores = touchpoint_scores([tp for tps in touchpoints.values() for tp in tps if tp.pk in moments], slice_)
    cards = [(moments[s.touchpoint.pk][0], MapCard(s, moments[s.touchpoint.pk][1])) for s in scores]
    urgent = sorted((pair for pair in cards if pair[1].fix_first), key=lambda pair: -pair[1].importance.r)
    return urgent, list(zip(journeys, stored, strict=True))


def measured_touchpoints(journeys: list[Journey]) -> dict[int, list[Touchpoint]]:
    """Each journey's touchpoints in map order with their measures, questions and surveys (two queries)."""
    touchpoints = _in_map_order(Touchpoint.objects.filter(stage__journey__in=journeys).select_related("stage"))
    by_journey: dict[int, list[Touchpoint]] = {journey.pk: [] for journey in journeys}
    for touchpoint in touchpoints:
        by_journey[touchpoint.stage.journey_id].append(touchpoint)
    return by_journey


def _column(stage: Stage, cards: list[MapCard]) -> StageColumn:
    scores = [card.score for card in cards]
    expected = [s.touchpoint.expected_emotion for s in scores]
    weighted = [(s.sentiment, s.figure.n) for s in scores if s.sentiment is not None and s.figure.enough]
    total = sum(n for _level, n in weighted)
    return StageColumn(
        stage=stage,
        cards=cards,
        expected=sum(expected) / len(expected) if expected else None,
        measured=sum(level * n for level, n in weighted) / total if total else None,
    )


def improvement_priorities(journey: Journey) -> QuerySet[Improvement]:
    """The journey's pain points and opportunities still to act on, most value for the least effort first."""
    return (
        Improvement.objects.filter(touchpoint__stage__journey=journey, status__in=Improvement.OPEN)
        .select_related("touchpoint__stage", "owner__user")
        .annotate(ratio=Cast(F("customer_value"), FloatField()) / F("effort"))
        .order_by("-ratio", "-customer_value", "pk")
    )
