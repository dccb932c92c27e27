"""Touchpoint importance in the background: asking for a computation (once, however many pages ask at once), the
computation itself, and the nightly run over every current journey."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from cxprogram.models import Segment, Unit
from journeys.models import ImportanceRun, Journey, TouchpointImportance
from journeys.selectors.importance import ImportanceKey, importance_basis, importance_key, runs_to_forget
from journeys.selectors.maps import journey_touchpoints
from journeys.selectors.scores import touchpoint_importance
from surveys.selectors.metrics import Slice

DEFAULT_DAYS = 90  # the map's and the home page's default window


def importance_request(*, key: ImportanceKey) -> bool:
    """Queue one computation of the key's importance, unless one is queued already and not yet taken for lost;
    True when this call queued it (the job is sent after commit). Concurrent callers queue one job between them:
    the run's unique key and a conditional update decide which."""
    now = timezone.now()
    try:
        with transaction.atomic():
            run, created = ImportanceRun.objects.get_or_create(**key.lookup, defaults={"requested_at": now})
    except IntegrityError:  # created by a concurrent request between our read and write: that one queued the job
        return False
    if not created:
        lost = now - timedelta(seconds=settings.JOURNEY_IMPORTANCE_RETRY_SECONDS)
        claimed = (
            ImportanceRun.objects.filter(pk=run.pk)
            .filter(Q(requested_at__lt=lost) | Q(computed_at__gte=F("requested_at")))
            .update(requested_at=now)
        )
        if not claimed:
            return False
    from journeys.tasks import compute_importance

    transaction.on_commit(lambda: compute_importance.delay(run.pk))
    return True


def importance_compute(*, run_id: int) -> ImportanceRun | None:
    """Compute and store a run's figures from the raw answers (touchpoint_importance), true as of the moment the
    computation started. Does nothing for a run deleted meanwhile or already computed since it was last asked for
    (a re-delivered job); a run whose unit or segment is gone is deleted."""
    run = ImportanceRun.objects.select_related("journey__outcome_question").filter(pk=run_id).first()
    if run is None or (run.computed_at is not None and run.computed_at >= run.requested_at):
        return run
    unit = Unit.objects.filter(pk=run.unit_id).first() if run.unit_id else None
    segment = Segment.objects.filter(pk=run.segment_id).first() if run.segment_id else None
    if (run.unit_id and unit is None) or (run.segment_id and segment is None):
        run.delete()
        return None
    started = timezone.now()
    journey = run.journey
    _stages, touchpoints = journey_touchpoints(journey)
    slice_ = Slice(date_from=run.date_from, date_to=run.date_to, unit=unit, segment=segment)
    figures = touchpoint_importance(touchpoints, slice_, journey.outcome_question, min_pairs=2)
    with transaction.atomic():
        run = ImportanceRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or (run.computed_at is not None and run.computed_at >= started):
            return run  # deleted, or a later computation has stored newer figures
        run.figures.all().delete()
        TouchpointImportance.objects.bulk_create(
            TouchpointImportance(run=run, touchpoint_id=touchpoint_id, r=figure.r, pairs=figure.pairs)
            for touchpoint_id, figure in figures.items()
        )
        run.computed_at = started
        run.basis = importance_basis(journey, touchpoints)
        run.save(update_fields=["computed_at", "basis"])
    return run


def importance_refresh_current(*, today=None) -> int:
    """Nightly: queue the importance of every current journey over its default 90 days for every unit, and forget
    computations nobody asked for in a while; how many jobs were queued."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    ImportanceRun.objects.filter(runs_to_forget(now)).delete()
    slice_ = Slice(date_from=today - timedelta(days=DEFAULT_DAYS - 1), date_to=today)
    queued = 0
    journeys = Journey.objects.filter(state=Journey.State.CURRENT).order_by("pk")
    for journey in journeys:
        _stages, touchpoints = journey_touchpoints(journey)
        key = importance_key(journey, touchpoints, slice_, None)
        if key is not None:
            queued += importance_request(key=key)
    return queued
