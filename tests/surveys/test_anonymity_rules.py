"""The pure anonymity rules: fixed calendar periods, and complementary suppression over the unit tree tried the way
an attacker would use it — adding and subtracting every published figure they can see."""

import itertools
import random
from datetime import date

import pytest

from surveys.anonymity import (
    period_end,
    period_label,
    period_parse,
    period_start,
    periods_back,
    published_units,
    week_start,
)

# company 1 → regions 2, 3 → stores 4, 5 under 2 and 6 under 3
TREE = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3}


def test_months_and_quarters_are_calendar_periods():
    assert period_start("month", date(2026, 11, 17)) == date(2026, 11, 1)
    assert period_start("quarter", date(2026, 11, 17)) == date(2026, 10, 1)
    assert period_end("quarter", date(2026, 10, 1)) == date(2027, 1, 1)
    assert period_end("month", date(2026, 12, 1)) == date(2027, 1, 1)
    assert (period_label("month", date(2026, 9, 1)), period_label("quarter", date(2026, 7, 1))) == (
        "2026-09",
        "2026-Q3",
    )
    assert periods_back("quarter", date(2026, 2, 3), 3) == [date(2026, 1, 1), date(2025, 10, 1), date(2025, 7, 1)]


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026-9", "26-09", "2026-09-16", "x", "", "2026-Q", "1999-01"])
def test_a_window_of_dates_is_not_a_period(text):
    kind = "quarter" if "Q" in text else "month"
    assert period_parse(kind, text) is None


def test_a_period_reads_back_as_written():
    assert period_parse("month", "2026-09") == date(2026, 9, 1)
    assert period_parse("quarter", "2026-q4") == date(2026, 10, 1)


def test_the_pulse_keeps_the_monday_of_the_week():
    assert week_start(date(2026, 12, 3)) == date(2026, 11, 30)


def test_a_small_store_is_hidden_and_so_is_its_sibling_that_would_give_it_away():
    # Store 4 has 6 answers, store 5 has 2: the region (8) minus store 4 would be store 5's two people.
    shown = published_units({4: 6, 5: 2, 6: 7}, TREE, 5)
    assert shown == {1, 2, 3, 6}


def test_a_managers_own_answers_directly_in_the_region_count_as_a_hidden_cell():
    # Both stores have 6; the regional manager's own 1 answer sits on the region itself: region − stores = 1.
    shown = published_units({2: 1, 4: 6, 5: 6, 6: 7}, TREE, 5)
    assert 2 in shown and len({4, 5} & shown) == 1


def test_nothing_is_published_below_the_threshold():
    assert published_units({4: 2, 5: 1, 6: 1}, TREE, 5) == set()


def _members(counts: dict[int, int]) -> dict[int, set[tuple[int, int]]]:
    """Every answer as (unit, i); a unit's figure covers the answers of its subtree."""
    own = {unit: {(unit, i) for i in range(n)} for unit, n in counts.items()}
    below = {unit: set() for unit in TREE}
    for unit in TREE:
        ancestor = unit
        while ancestor is not None:
            below[ancestor] |= own.get(unit, set())
            ancestor = TREE[ancestor]
    return below


@pytest.mark.parametrize("seed", range(60))
def test_no_sum_or_difference_of_published_figures_isolates_a_small_group(seed):
    """The attacker combines every published unit's figure with +1, 0 or −1 (unit vs subtree vs parent,
    sibling against sibling): whatever set of answers that leaves is empty or has at least 5 answers."""
    rng = random.Random(seed)
    counts = {unit: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 8]) for unit in TREE}
    shown = sorted(published_units(counts, TREE, 5))
    members = _members(counts)
    for signs in itertools.product((-1, 0, 1), repeat=len(shown)):
        tally: dict[tuple[int, int], int] = {}
        for unit, sign in zip(shown, signs, strict=True):
            for answer in members[unit]:
                tally[answer] = tally.get(answer, 0) + sign
        values = set(tally.values()) - {0}
        if values <= {1}:  # a plain set of answers (no answer counted twice or negatively)
            isolated = sum(1 for v in tally.values() if v == 1)
            assert isolated == 0 or isolated >= 5, (counts, shown, signs)
