"""Touchpoint importance as computed in the background (models.ImportanceRun): which figure a map may show for its
period and scope, from when, and whether a computation should be asked for."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from journeys.models import ImportanceRun, Journey, Touchpoint, TouchpointImportance
from journeys.selectors.scores import Importance
from surveys.selectors.metrics import Slice


@dataclass(frozen=True)
class ImportanceKey:
    """What a stored importance is about: a journey, a period, a unit subtree (0: every unit) and a segment (0:
    every segment), computed against `basis` (the outcome question and the measures as they are now)."""

    journey_id: int
    date_from: date
    date_to: date
    unit_id: int
    segment_id: int
    basis: str

    @property
    def lookup(self) -> dict:
        return {"journey_id": self.journey_id, "date_from": self.date_from, "date_to": self.date_to,
                "unit_id": self.unit_id, "segment_id": self.segment_id}  # fmt: skip


@dataclass(frozen=True)
class StoredImportance:
    """The importance a map shows: the figures per touchpoint and the moment they are true of, or nothing yet
    (`computed_at` None: being computed, or `key` None: nothing to compute); `wanted`: a computation should be
    queued (none stored, stored for an older definition of the journey, or older than the period's data allows)."""

    key: ImportanceKey | None
    figures: dict[int, Importance] = field(default_factory=dict)
    computed_at: datetime | None = None
    wanted: bool = False

    @property
    def pending(self) -> bool:
        return self.key is not None and self.computed_at is None


def importance_basis(journey: Journey, touchpoints: list[Touchpoint]) -> str:
    """A fingerprint of what importance is computed against: the outcome question and every measure (touchpoints'
    measures prefetched); no query."""
    measures = sorted(f"{tp.pk}:{m.question_id}:{int(m.tagged_only)}" for tp in touchpoints for m in tp.measures.all())
    parts = [str(journey.outcome_question_id), *measures]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def importance_key(
    journey: Journey, touchpoints: list[Touchpoint], slice_: Slice, scope_unit_id: int | None
) -> ImportanceKey | None:
    """The stored importance a map of this slice reads: its dates, its unit (or the viewer's own subtree,
    `scope_unit_id`, when it names none) and segment. None when there is nothing to compute (no outcome question,
    no touchpoint) or the slice is not one a map makes (it then shows no importance rather than another's)."""
    if journey.outcome_question_id is None or not touchpoints or slice_.date_from is None or slice_.date_to is None:
        return None
    if slice_.survey or slice_.value_tier or slice_.employee or slice_.channel or slice_.touchpoint:
        return None
    if slice_.units_in_scope is not None and scope_unit_id is None:
        return None
    unit_id = slice_.unit.pk if slice_.unit is not None else (scope_unit_id or 0)
    segment_id = slice_.segment.pk if slice_.segment is not None else 0
    basis = importance_basis(journey, touchpoints)
    return ImportanceKey(journey.pk, slice_.date_from, slice_.date_to, unit_id, segment_id, basis)


def is_pending(run: ImportanceRun, now: datetime) -> bool:
    """Whether a job queued for the run has not finished and is recent enough not to be taken for lost."""
    retry = timedelta(seconds=settings.JOURNEY_IMPORTANCE_RETRY_SECONDS)
    asked_again = run.computed_at is None or run.requested_at > run.computed_at
    return asked_again and run.requested_at >= now - retry


def is_outdated(run: ImportanceRun, now: datetime) -> bool:
    """Whether figures computed while their period was still running are older than JOURNEY_IMPORTANCE_MAX_AGE."""
    if run.computed_at is None:
        return True
    still_running = timezone.localdate(run.computed_at) <= run.date_to
    return still_running and run.computed_at < now - timedelta(seconds=settings.JOURNEY_IMPORTANCE_MAX_AGE)


def stored_importance(key: ImportanceKey | None, *, now: datetime | None = None) -> StoredImportance:
    """The figures stored for the key, and whether a computation is wanted; two queries at most."""
    return stored_importances([key], now=now)[0]


def stored_importances(keys: list[ImportanceKey | None], *, now: datetime | None = None) -> list[StoredImportance]:
    """`stored_importance` of each key, in order: two queries at most, whatever the number of keys."""
    now = now or timezone.now()
    asked = [key for key in keys if key is not None]
    if not asked:
        return [StoredImportance(None) for _key in keys]
    lookup = Q()
    for key in asked:
        lookup |= Q(**key.lookup)
    runs = {_run_lookup(run): run for run in ImportanceRun.objects.filter(lookup)}
    usable = [run for key in asked if (run := runs.get(_lookup_of(key))) and run.computed_at and run.basis == key.basis]
    minimum = settings.RESULTS_MIN_SAMPLE
    figures: dict[int, dict[int, Importance]] = {run.pk: {} for run in usable}
    rows = TouchpointImportance.objects.filter(run__in=[run.pk for run in usable])  # none: no query
    for run_id, touchpoint_id, r, pairs in rows.values_list("run_id", "touchpoint_id", "r", "pairs"):
        figures[run_id][touchpoint_id] = Importance(r=r if pairs >= max(minimum, 2) else None, pairs=pairs,
                                                    min_pairs=minimum)  # fmt: skip
    stored = []
    for key in keys:
        run = runs.get(_lookup_of(key)) if key is not None else None
        if run is None:
            stored.append(StoredImportance(key, wanted=key is not None))
        elif run.pk not in figures:
            stored.append(StoredImportance(key, wanted=not is_pending(run, now)))
        else:
            wanted = is_outdated(run, now) and not is_pending(run, now)
            stored.append(StoredImportance(key, figures[run.pk], run.computed_at, wanted=wanted))
    return stored


def _lookup_of(key: ImportanceKey) -> tuple:
    return key.journey_id, key.date_from, key.date_to, key.unit_id, key.segment_id


def _run_lookup(run: ImportanceRun) -> tuple:
    return run.journey_id, run.date_from, run.date_to, run.unit_id, run.segment_id


def runs_to_forget(now: datetime) -> Q:
    """Computations nobody asked for in JOURNEY_IMPORTANCE_KEEP_DAYS: the nightly job deletes them."""
    return Q(requested_at__lt=now - timedelta(days=settings.JOURNEY_IMPORTANCE_KEEP_DAYS))
