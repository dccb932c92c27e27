"""The closed loop measured per channel as the seed articles measure service on complaints: the share answered
the same day, the median time to the first answer, the share never answered — beside the seeds' own figures."""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from cxprogram.models import Channel
from surveys.models import FollowUp
from surveys.selectors.followups import MedianDuration, median_of
from surveys.selectors.metrics import Figure, share_from

# The seeds: 55% of people who complain expect an answer the same day, only 29% get one; 58% of complaints in
# tweets get no answer at all.
SEED_EXPECT_SAME_DAY = 55
SEED_ANSWERED_SAME_DAY = 29
SEED_NEVER_ANSWERED = 58
SEED_LOOP = {"expect": SEED_EXPECT_SAME_DAY, "answered": SEED_ANSWERED_SAME_DAY, "never": SEED_NEVER_ANSWERED}


@dataclass(frozen=True)
class ChannelLoop:
    channel: str
    label: str
    cases: int  # cases whose outcome is known: answered, finished, or past their deadline
    same_day: Figure
    never_answered: Figure
    median_minutes_to_answer: float | None


def channel_loop_metrics(cases: QuerySet[FollowUp], *, now: datetime) -> list[ChannelLoop]:
    """Per channel of the answer or complaint (most cases first): of the cases whose outcome is known, the share
    first answered on the local day the customer spoke, the share never answered (finished or overdue without a
    first answer), and the median minutes from the customer's message to the first answer."""
    judged = loop_judged(cases, now=now)
    # On PostgreSQL each channel's median comes in the same grouped pass; elsewhere one query per channel.
    postgresql = connection.vendor == "postgresql"
    medians = {"median": MedianDuration(minutes_to_answer(), filter=ANSWERED)} if postgresql else {}
    rows = judged.values("response__channel").annotate(**medians, **loop_counts()).order_by("-n", "response__channel")
    labels = dict(Channel.choices)
    result = []
    for row in rows:
        channel = row["response__channel"]
        result.append(
            ChannelLoop(
                channel=channel,
                label=str(labels.get(channel, channel or "—")),
                cases=row["n"],
                same_day=share_from({"n": row["n"], "hits": row["same_day"]}, min_sample=1),
                never_answered=share_from({"n": row["n"], "hits": row["never"]}, min_sample=1),
                median_minutes_to_answer=(
                    (None if row["median"] is None else row["median"].total_seconds() / 60)
                    if medians
                    else _median_minutes_to_answer(judged.filter(ANSWERED, response__channel=channel))
                ),
            )
        )
    return result


def loop_judged(cases: QuerySet[FollowUp], *, now: datetime) -> QuerySet[FollowUp]:
    """The cases whose outcome is known at `now`: answered, finished, or past their deadline."""
    return cases.filter(Q(first_contact_at__isnull=False) | Q(due_at__lt=now) | ~Q(status__in=FollowUp.OPEN))


def loop_counts() -> dict:
    """Aggregates of judged cases: n, those first answered on the local day the customer spoke, those never."""
    tz = timezone.get_current_timezone()
    return {
        "n": Count("pk"),
        "same_day": Count(
            "pk",
            filter=Q(first_contact_at__isnull=False)
            & Q(first_contact_at__date=TruncDate("response__submitted_at", tzinfo=tz)),
        ),
        "never": Count("pk", filter=Q(first_contact_at__isnull=True)),
    }


def minutes_to_answer() -> ExpressionWrapper:
    """From the customer's message to the case's first answer."""
    return ExpressionWrapper(F("first_contact_at") - F("response__submitted_at"), output_field=DurationField())


def _median_minutes_to_answer(cases: QuerySet[FollowUp]) -> float | None:
    return median_of(cases, minutes_to_answer())


ANSWERED = Q(first_contact_at__isnull=False)
