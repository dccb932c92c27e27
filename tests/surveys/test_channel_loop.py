"""Loop metrics by channel equal figures computed by hand, days counted in the program's time zone."""

import re
from datetime import UTC, datetime

import pytest

from surveys.models import FollowUp
from surveys.selectors.channels import channel_loop_metrics
from surveys.services.complaints import Incoming, complaint_receive

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)


def case(
    message_id: str, channel: str, received: datetime, *, answered: datetime | None = None, public=True, status=""
):
    complaint, _new = complaint_receive(
        incoming=Incoming(
            message_id=message_id,
            channel=channel,
            text="…",
            public_url=f"https://x.example/{message_id}" if public else "",
            received_at=received,
        )
    )
    FollowUp.objects.filter(pk=complaint.followup_id).update(
        first_contact_at=answered, status=status or ("contacted" if answered else "new")
    )


@pytest.fixture
def loop(db):
    # Social: answered in an hour; answered at 01:00 Moscow the next day (the same UTC day, not the same local day);
    # never answered and past its deadline; still within its deadline (not judged yet).
    case("s1", "social", datetime(2026, 11, 8, 7, 0, tzinfo=UTC), answered=datetime(2026, 11, 8, 8, 0, tzinfo=UTC))
    case("s2", "social", datetime(2026, 11, 8, 19, 0, tzinfo=UTC), answered=datetime(2026, 11, 8, 22, 0, tzinfo=UTC))
    case("s3", "social", datetime(2026, 11, 9, 7, 0, tzinfo=UTC))
    case("s4", "social", datetime(2026, 11, 10, 11, 0, tzinfo=UTC))
    # E-mail: answered in half an hour; closed without an answer.
    case(
        "e1",
        "email",
        datetime(2026, 11, 7, 6, 0, tzinfo=UTC),
        answered=datetime(2026, 11, 7, 6, 30, tzinfo=UTC),
        public=False,
    )
    case("e2", "email", datetime(2026, 11, 7, 7, 0, tzinfo=UTC), public=False, status="closed")


def test_channel_loop_metrics_equal_hand_computed_figures(loop):
    rows = channel_loop_metrics(FollowUp.objects.all(), now=NOW)
    figures = [
        (r.channel, r.cases, round(r.same_day.value, 1), round(r.never_answered.value, 1), r.median_minutes_to_answer)
        for r in rows
    ]
    assert figures == [("social", 3, 33.3, 33.3, 120.0), ("email", 2, 50.0, 50.0, 30.0)]


def test_channel_loop_metrics_query_count_does_not_grow_with_cases(loop, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # one for the shares, one median per channel
        channel_loop_metrics(FollowUp.objects.all(), now=NOW)


def test_the_case_desk_shows_each_channel_beside_the_seeds_figures(loop, client, org):
    FollowUp.objects.filter(complaint__message_id="s4").delete()  # today it would be overdue: judged
    client.force_login(org["people"]["lead"].user)
    page = client.get("/followups/", headers={"accept-language": "en"}).content.decode()
    table = page[page.index('id="channel-loop-title"') :]
    assert "55% of people who complain expect an answer the same day, 29% get one, and 58% of complaints" in table
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table)
    ]
    assert cells[5:15] == [
        "Social media", "3", "33% (29%)", "2 h", "33% (58%)",
        "E-mail", "2", "50% (29%)", "30 min", "50%",
    ]  # fmt: skip
