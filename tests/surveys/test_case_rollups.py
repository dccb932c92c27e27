"""The closed loop's figures on the results page from the case rollups: equal to the cases read one by one (the
raw path), slice by slice (survey, dates, unit subtree, channel, touchpoint, a viewer's scope), after every kind of
change a case or its response goes through: contacted, resolved, closed, "is it solved?" answered, opened by staff
later, moved with a routed complaint, deleted, erased, its unit deleted, time passing its deadline, and a rebuild."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cxprogram.models import Unit
from kpis.selectors.home import home_loop
from surveys.models import ALL_UNITS, CaseCount, CaseDuration, CaseMinutes, FollowUp, Question, Response
from surveys.selectors.case_rollups import slice_loop
from surveys.selectors.followups import loop_metrics
from surveys.selectors.metrics import Slice
from surveys.services.followups import followup_close, followup_contacted, followup_resolve
from surveys.services.privacy import customer_erase
from surveys.services.responses import response_submit
from surveys.services.rollups import responses_delete, responses_move
from surveys.services.rollups_rebuild import rollups_rebuild
from tests.cxprogram.factories import CustomerFactory, UnitFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.postgres
ROOT_CAUSES = ("price", "queues", "staff")


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the case rollups are kept by PostgreSQL triggers; SQLite reads the cases themselves")


@pytest.fixture
def world(db):
    """48 cases of one survey (and 6 of another) over two stores under a region, a unit outside it and none, in three
    channels and two touchpoints, over three local days (one just before midnight) and one day a month earlier:
    new, contacted, resolved (one of three causes, some asked "is it solved?"), closed; deadlines past and ahead;
    durations to the microsecond, and some of exactly 30 minutes (whole minutes read without a case)."""
    survey, other_survey = SurveyFactory(followup_enabled=True), SurveyFactory(followup_enabled=True)
    company = UnitFactory(kind="company")
    region = UnitFactory(kind="region", parent=company)
    stores = [UnitFactory(parent=region), UnitFactory(parent=region)]
    outside = UnitFactory(parent=company)
    customers = [CustomerFactory(), CustomerFactory()]
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=23, minute=59, second=30, microsecond=0)
    for i in range(54):
        submitted = midnight - timedelta(days=(i % 3) + (33 if i % 8 == 7 else 0), microseconds=i * 7919)
        response = Response.objects.create(
            survey=other_survey if i >= 48 else survey,
            unit=(stores[0], stores[1], outside, None)[i % 4],
            channel=("web", "sms", "store")[i % 3],
            touchpoint=("checkout", "delivery")[i % 5 % 2],
            submitted_at=submitted,
            customer=customers[i % 2] if i % 5 == 0 else None,
            language="en",
            source="web",
        )
        opened = submitted + timedelta(seconds=i * 11, microseconds=i * 13)
        case = FollowUp.objects.create(
            response=response, due_at=now + timedelta(hours=(i % 5) * 12 - 30), priority=i % 7
        )
        contact = opened + (timedelta(minutes=30) if i % 4 == 0 else timedelta(minutes=(i * 37) % 900, seconds=i))
        stage = i % 6
        fields = {"created_at": opened}
        if stage in (1, 2, 3):
            fields |= {"status": FollowUp.Status.CONTACTED, "first_contact_at": contact}
        if stage in (2, 3):
            fields |= {
                "status": FollowUp.Status.RESOLVED, "root_cause": ROOT_CAUSES[i % 3], "action_taken": "Called back",
                "resolved_at": contact + timedelta(hours=i % 9, microseconds=i),
            }  # fmt: skip
        if stage == 3:
            fields["recovered"] = i % 4 != 1
        if stage == 4:
            fields |= {"status": FollowUp.Status.CLOSED, "resolved_at": opened + timedelta(hours=1)}
        FollowUp.objects.filter(pk=case.pk).update(**fields)
    return {
        "survey": survey, "other": other_survey, "company": company, "region": region, "stores": stores,
        "outside": outside, "customers": customers, "now": now, "today": timezone.localdate(now),
    }  # fmt: skip


def slices(world) -> list[Slice]:
    survey, today, region = world["survey"], world["today"], world["region"]
    scope = Unit.objects.subtree_of(region)
    return [
        Slice(survey=survey),
        Slice(),
        Slice(survey=survey, date_from=today - timedelta(days=1)),
        Slice(survey=survey, date_to=today - timedelta(days=1)),
        Slice(survey=survey, date_from=(today - timedelta(days=40)).replace(day=1), date_to=today),
        Slice(survey=survey, unit=region),
        Slice(survey=survey, unit=world["stores"][0]),
        Slice(survey=survey, unit=world["outside"]),
        Slice(survey=survey, channel="sms"),
        Slice(survey=survey, touchpoint="delivery"),
        Slice(survey=survey, channel="web", touchpoint="checkout", unit=region),
        Slice(survey=survey, units_in_scope=scope),
        Slice(survey=survey, units_in_scope=Unit.objects.subtree_of(world["stores"][1]), date_from=today),
        Slice(survey=world["other"]),
    ]


def assert_equal_to_raw(world, now=None):
    now = now or world["now"]
    for slice_ in slices(world):
        fast, raw = slice_loop(slice_, now=now), slice_loop(slice_, now=now, use_rollups=False)
        assert fast == raw, slice_


def test_every_figure_equals_the_cases_read_one_by_one(world):
    assert_equal_to_raw(world)
    loop = slice_loop(Slice(survey=world["survey"]), now=world["now"])
    # What the CX lead reads: 48 cases, 24 still open (16 new, 8 contacted), 16 resolved: 8 on price, 8 on staff.
    assert (loop.metrics.cases, loop.metrics.open) == (48, 24)
    causes = [(str(label), n) for label, n in loop.metrics.top_causes]
    assert causes == [("Price and billing", 8), ("Staff attitude", 8)]
    assert sorted(c.channel for c in loop.channels) == ["sms", "store", "web"]
    assert loop.metrics.median_minutes_to_contact is not None and loop.metrics.median_minutes_to_resolve is not None


def test_every_case_from_the_rollups_is_the_lead_home_pages_loop(world):
    every_case = home_loop(FollowUp.objects.all(), every_case=True, now=world["now"])
    assert every_case == loop_metrics(FollowUp.objects.all(), now=world["now"])
    assert (every_case.cases, every_case.open) == (54, 27)


def test_the_lead_reads_the_all_units_rows_and_a_manager_only_their_units(world, django_assert_num_queries):
    with django_assert_num_queries(3):  # counts, the cases not yet due, the minutes (and no case of a minute)
        slice_loop(Slice(survey=world["survey"], date_to=world["today"] - timedelta(days=40)), now=world["now"])
    rows = CaseCount.objects.filter(survey=world["survey"], monthly=True)
    assert sum(r.cases for r in rows.filter(unit_id=ALL_UNITS)) == 48
    assert sum(r.cases for r in rows.exclude(unit_id=ALL_UNITS)) == 48


def test_time_passing_deadlines_changes_overdue_and_judged_as_the_raw_figures(world):
    for hours in (-40, 0, 7, 13, 25, 49, 200):
        assert_equal_to_raw(world, now=world["now"] + timedelta(hours=hours))


def test_case_work_keeps_the_figures_equal(world):
    open_cases = list(FollowUp.objects.filter(response__survey=world["survey"], status=FollowUp.Status.NEW)[:3])
    followup_contacted(followup=open_cases[0], actor=None, note="Called")
    assert_equal_to_raw(world)
    followup_resolve(followup=open_cases[0], actor=None, root_cause="advice", action_taken="Explained")
    assert_equal_to_raw(world)
    followup_resolve(followup=open_cases[1], actor=None, root_cause="price", action_taken="Refunded")
    followup_close(followup=open_cases[2], actor=None, reason="No phone")
    FollowUp.objects.filter(pk=open_cases[1].pk).update(recovered=False)
    assert_equal_to_raw(world)
    loop = slice_loop(Slice(survey=world["survey"]), now=world["now"])
    assert loop.metrics.open == 21  # three of the 24 finished


def test_a_case_opened_later_a_move_a_deletion_and_an_erasure_keep_the_figures_equal(world):
    survey, stores = world["survey"], world["stores"]
    late = Response.objects.create(
        survey=survey, unit=stores[0], channel="sms", submitted_at=world["now"] - timedelta(days=2), language="en",
        source="web",
    )  # fmt: skip
    FollowUp.objects.create(response=late, due_at=world["now"] + timedelta(hours=3))  # staff open a case later
    assert_equal_to_raw(world)
    moved = FollowUp.objects.filter(response__survey=survey, response__unit=stores[1]).first()
    responses_move(responses=Response.objects.filter(pk=moved.response_id), unit_id=world["outside"].pk)
    assert_equal_to_raw(world)
    assert slice_loop(Slice(survey=survey, unit=world["outside"]), now=world["now"]).metrics.cases == 13
    responses_delete(responses=Response.objects.filter(survey=survey, channel="web", unit=stores[0]))
    assert_equal_to_raw(world)
    customer_erase(customer=world["customers"][0], actor=None)
    assert_equal_to_raw(world)
    world["outside"].delete()  # its responses keep no unit
    assert_equal_to_raw(world)
    Response.objects.filter(survey=survey, channel="sms").update(submitted_at=world["now"] - timedelta(days=70))
    assert_equal_to_raw(world)


def test_a_case_gaining_and_losing_its_only_duration_keeps_the_figures_equal(world):
    """A new case has no duration, so it writes no minutes or durations; resolved without a contact it gains one (time
    to resolve), and put back to new it loses it again: the figures follow each step and equal the rebuild's."""
    case = FollowUp.objects.filter(response__survey=world["survey"], status=FollowUp.Status.NEW).first()
    resolve_rows = CaseMinutes.objects.filter(kind="resolve", n__gt=0)
    before = sum(resolve_rows.filter(monthly=True, unit_id=ALL_UNITS).values_list("n", flat=True))
    resolved_at = case.created_at + timedelta(hours=2)
    FollowUp.objects.filter(pk=case.pk).update(
        status=FollowUp.Status.RESOLVED, resolved_at=resolved_at, root_cause="price", action_taken="Refunded"
    )
    assert sum(resolve_rows.filter(monthly=True, unit_id=ALL_UNITS).values_list("n", flat=True)) == before + 1
    assert CaseDuration.objects.filter(followup_id=case.pk).count() == 1
    assert_equal_to_raw(world)
    FollowUp.objects.filter(pk=case.pk).update(status=FollowUp.Status.NEW, resolved_at=None, root_cause="")
    assert sum(resolve_rows.filter(monthly=True, unit_id=ALL_UNITS).values_list("n", flat=True)) == before
    assert CaseDuration.objects.filter(followup_id=case.pk).count() == 0
    assert_equal_to_raw(world)
    kept = sorted(CaseMinutes.objects.filter(n__gt=0).values_list("unit_id", "day", "kind", "minute", "n"))
    rollups_rebuild()
    assert sorted(CaseMinutes.objects.filter(n__gt=0).values_list("unit_id", "day", "kind", "minute", "n")) == kept


def test_a_rolled_back_change_leaves_no_count(world):
    before = list(CaseCount.objects.order_by("pk").values_list("cases", "contacted"))
    case = FollowUp.objects.filter(response__survey=world["survey"], status=FollowUp.Status.NEW).first()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        followup_contacted(followup=case, actor=None)
        1 / 0  # noqa: B018
    assert list(CaseCount.objects.order_by("pk").values_list("cases", "contacted")) == before


def test_the_rebuild_counts_what_the_triggers_counted(world):
    followup_contacted(followup=FollowUp.objects.filter(status=FollowUp.Status.NEW).first(), actor=None)
    kept = {
        model: sorted(row for row in model.objects.values_list(*fields) if row[-1])
        for model, fields in (
            (CaseCount, ("survey_id", "unit_id", "monthly", "day", "channel", "touchpoint", "root_cause", "cases")),
            (CaseMinutes, ("survey_id", "unit_id", "monthly", "day", "channel", "kind", "minute", "total", "n")),
        )
    }
    rollups_rebuild()
    for model, rows in kept.items():
        fields = ("survey_id", "unit_id", "monthly", "day", "channel")
        fields += ("touchpoint", "root_cause", "cases") if model is CaseCount else ("kind", "minute", "total", "n")
        assert sorted(model.objects.values_list(*fields)) == rows
    assert_equal_to_raw(world)


def test_an_even_count_of_durations_is_interpolated_as_percentile_cont_does(world):
    """Two cases whose times to first contact differ by an odd number of microseconds, in different minutes."""
    survey = SurveyFactory(followup_enabled=True)
    start = world["now"] - timedelta(days=1)
    for waited in (timedelta(minutes=3, microseconds=1), timedelta(days=1, hours=2, microseconds=4)):
        response = Response.objects.create(survey=survey, submitted_at=start, language="en", source="web")
        case = FollowUp.objects.create(response=response, due_at=start)
        FollowUp.objects.filter(pk=case.pk).update(
            created_at=start, first_contact_at=start + waited, status=FollowUp.Status.CONTACTED
        )
    fast = slice_loop(Slice(survey=survey), now=world["now"])
    assert fast == slice_loop(Slice(survey=survey), now=world["now"], use_rollups=False)
    assert fast.metrics.median_minutes_to_contact == pytest.approx((3 + 26 * 60) / 2, abs=1e-6)


def test_a_submission_opening_a_case_in_its_one_statement_counts_it(world):
    survey = SurveyFactory(followup_enabled=True, followup_nps_max=6)
    nps = QuestionFactory(survey=survey, type=Question.Type.NPS)
    for score in (2, 9, 5):
        response_submit(survey=survey, questions=[nps], answers={nps.pk: score}, language="en", source="web")
    loop = slice_loop(Slice(survey=survey), now=timezone.now())
    assert loop == slice_loop(Slice(survey=survey), now=timezone.now(), use_rollups=False)
    assert (loop.metrics.cases, loop.metrics.open, loop.metrics.overdue) == (2, 2, 0)
