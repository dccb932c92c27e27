"""Rollups counted before the rows of all units together existed get them when the migration runs, on a database
that holds data (PostgreSQL refuses an index on a table with inserts pending their foreign-key checks)."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("surveys", "0024_rollups_by_month_choices_and_responses")]
AFTER = [("surveys", "0025_rollups_all_units")]


@pytest.mark.django_db(transaction=True)
def test_the_rows_of_all_units_are_added_up_from_the_stored_rows():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Survey, Question = old.get_model("surveys", "Survey"), old.get_model("surveys", "Question")
    ScoreCount, ResponseCount = old.get_model("surveys", "ScoreCount"), old.get_model("surveys", "ResponseCount")
    survey = Survey.objects.create(name="Visit", public_id="visit", kind="transactional")
    nps = Question.objects.create(survey=survey, code="nps", type="nps", text_ru="?", text_en="?")
    month = {"day": date(2026, 11, 1), "monthly": True, "survey": survey, "channel": "store", "touchpoint": ""}
    for unit_id, tens, nines in ((7, 3, 1), (8, 2, 0), (0, 1, 4)):  # two stores and the unit-less answers
        ScoreCount.objects.create(**month, unit_id=unit_id, question=nps, number=10, n=tens)
        if nines:
            ScoreCount.objects.create(**month, unit_id=unit_id, question=nps, number=9, n=nines)
        ResponseCount.objects.create(**month, unit_id=unit_id, responses=tens + nines, comments=1)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    ScoreCount, ResponseCount = new.get_model("surveys", "ScoreCount"), new.get_model("surveys", "ResponseCount")
    together = ScoreCount.objects.filter(unit_id=-1).order_by("number")
    assert list(together.values_list("monthly", "day", "channel", "number", "n")) == [
        (True, date(2026, 11, 1), "store", 9, 5),
        (True, date(2026, 11, 1), "store", 10, 6),
    ]
    assert list(ResponseCount.objects.filter(unit_id=-1).values_list("responses", "comments")) == [(11, 3)]
    assert ScoreCount.objects.filter(unit_id__gte=0).count() == 5  # every unit's rows kept as they were

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # and back: the rows of all units go, the old code would count them twice
    assert not old.get_model("surveys", "ScoreCount").objects.filter(unit_id=-1).exists()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
