"""A hosted submission's one statement on PostgreSQL: the rows and the rollups' counts together, the whole transaction
when nothing else is written; a failure anywhere in it leaves nothing; concurrent submissions and deletions count
every response exactly once and never deadlock; the rollups' figures equal the raw answers'."""

import random
import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy

from cxprogram import webhooks
from cxprogram.models import Webhook, WebhookDelivery
from surveys.links import ResponseContext, survey_public_link
from surveys.models import Answer, ChoiceCount, FollowUp, FollowUpEvent, Invitation, Response, ResponseCount, ScoreCount
from surveys.selectors.metrics import Slice, question_result
from surveys.services import responses, rollups
from surveys.services.responses import AlreadyResponded, response_submit
from surveys.services.rollups import TABLES, responses_delete
from surveys.services.rollups_rebuild import rollups_rebuild
from surveys.services.submission_statement import SubmissionRows, submission_insert
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import form_state, submit
from tests.surveys.factories import InvitationFactory
from tests.surveys.test_hosted_survey import URL, valid
from tests.surveys.test_rollups import choice_figures, figures

POSTGRES = connection.vendor == "postgresql"
NEEDS_POSTGRES = "the one statement and concurrent writers need PostgreSQL; SQLite takes the ORM path"


def detractor(q, choices, score: int = 3) -> dict:
    return {**valid(q, choices), f"q{q['nps'].pk}": str(score)}


def rollup_rows() -> dict[str, list]:
    """Every rollup table's rows (but the id) that count something, sorted."""
    kept = {}
    for table in TABLES:
        rows = table.model.objects.values_list(*table.columns)
        kept[table.name] = sorted(row for row in rows if any(row[len(table.key) :]))
    return kept


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_statement_is_the_whole_transaction(every_type, monkeypatch):
    if not POSTGRES:
        pytest.skip(NEEDS_POSTGRES)
    _survey, q, choices = every_type
    client = Client()
    page = client.get(URL)
    data = {**form_state(page.content.decode()), "next": "1", **detractor(q, choices)}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, data).status_code == 302
    statements = [query["sql"] for query in queries.captured_queries]
    # The survey's version, then one statement: no BEGIN, SAVEPOINT or COMMIT round trips.
    assert len(statements) == 2 and statements[1].startswith("WITH p AS"), statements
    assert (Response.objects.count(), Answer.objects.count(), FollowUp.objects.count()) == (1, 10, 1)
    assert FollowUpEvent.objects.count() == 1
    no_unit = {"unit_id": 0}  # the response's own place (not rows that add places up)
    assert ScoreCount.objects.filter(monthly=False, **no_unit).count() == 5  # nps, csat, ces, rating, yes/no
    rows = ResponseCount.objects.filter(**no_unit).order_by("monthly")
    assert list(rows.values_list("monthly", "responses", "comments")) == [
        (False, 1, 2), (True, 1, 2)
    ]  # fmt: skip
    # A webhook switched on: its deliveries are written with the rows, so the statement runs in a transaction, and
    # they are queued once it commits.
    queued = []
    monkeypatch.setattr(webhooks, "webhook_queue", lambda delivery_ids: queued.append(delivery_ids))
    Webhook.objects.create(name="CRM", url="https://crm.example.com/in", events=[e.value for e in Webhook.Event])
    client = Client()
    page = client.get(URL)
    data = {**form_state(page.content.decode()), "next": "1", **detractor(q, choices)}
    with CaptureQueriesContext(connection) as queries:
        assert client.post(URL, data).status_code == 302
    statements = [query["sql"] for query in queries.captured_queries]
    assert statements[1] == "BEGIN" and statements[2].startswith("WITH p AS") and statements[-1] == "COMMIT"
    deliveries = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))
    assert len(deliveries) == 2 and queued == [[deliveries[0]], [deliveries[1]]]  # response.submitted, case.opened


@pytest.mark.django_db(transaction=True)
def test_a_failure_at_the_end_of_the_statement_leaves_nothing_half_saved(every_type, monkeypatch):
    """The last rollup row names a survey and question that do not exist: its foreign keys are checked when the
    transaction ends, after every row of the submission was written. None of them stays, and the invitation stays
    unused."""
    survey, q, choices = every_type
    assert submit(Client(), URL, valid(q, choices)).status_code == 302
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory())
    url = f"/s/i/{invitation.token}/"
    before = rollup_rows()
    counted = rollups.rollup_rows

    def broken(**kwargs):
        rows = counted(**kwargs)
        table, last = rows[-1]
        key, values = last[-1]
        named = zip(table.key, key, strict=True)
        unknown = tuple(10**9 if column in ("survey_id", "question_id") else v for column, v in named)
        return [*rows[:-1], (table, [*last[:-1], (unknown, values)])]

    monkeypatch.setattr(responses, "rollup_rows", broken)  # PostgreSQL's statement
    monkeypatch.setattr(rollups, "rollup_rows", broken)  # SQLite's upserts (rollup_add)
    with pytest.raises(IntegrityError):
        submit(Client(), url, detractor(q, choices))
    assert (Response.objects.count(), Answer.objects.count()) == (1, 10)
    assert (FollowUp.objects.count(), FollowUpEvent.objects.count()) == (0, 0)
    assert Invitation.objects.get(pk=invitation.pk).responded_at is None
    assert rollup_rows() == before
    monkeypatch.undo()
    assert submit(Client(), url, detractor(q, choices)).status_code == 302  # the same answers, once it works
    assert (Response.objects.count(), FollowUp.objects.count()) == (2, 1)
    kept = rollup_rows()
    rollups_rebuild()
    assert rollup_rows() == kept


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_statement_saves_every_value_as_the_orm_would(every_type):
    """Plain values (text, numbers, yes/no, keys) go into the statement's document as they are, and anything else the
    ORM's way: a lazy translation in a text field, a number typed as text, dates and a case's JSON. Read back, the
    statement's rows equal the rows the ORM saves from the same values."""
    if not POSTGRES:
        pytest.skip(NEEDS_POSTGRES)
    survey, q, _choices = every_type
    customer_text = 'Кассир сказал "подождите" & <ушёл>'
    due = timezone.now() + timedelta(hours=4)

    def rows(key: str) -> SubmissionRows:
        response = Response(
            survey=survey, customer=CustomerFactory(), touchpoint=gettext_lazy("Checkout"), channel="sms",
            transaction_ref=12345, language="ru", source="link", submitted_at=timezone.now(), duration_seconds=41,
            submission_key=key, contact_details="+7 900 000-00-00", anonymous=False,
        )  # fmt: skip
        answers = [
            Answer(response=response, question=q["nps"], question_type=q["nps"].type, number=3),
            Answer(response=response, question=q["long"], question_type=q["long"].type, text=customer_text),
        ]
        case = FollowUp(response=response, priority=2, reason_codes=[["nps", 3]], due_at=due)
        event = FollowUpEvent(followup=case, kind=FollowUpEvent.Kind.OPENED, params={"score": 3, "note": customer_text})
        return SubmissionRows(response=response, answers=answers, followup=case, events=[event])

    by_statement, by_orm = rows("statement"), rows("orm")
    assert submission_insert(by_statement)
    by_orm.response.save()
    for answer in by_orm.answers:
        answer.response = by_orm.response
    Answer.objects.bulk_create(by_orm.answers)
    by_orm.followup.response = by_orm.response
    by_orm.followup.save()
    by_orm.events[0].followup = by_orm.followup
    by_orm.events[0].save()

    def read(saved: SubmissionRows) -> list:
        response = Response.objects.values().get(pk=saved.response.pk)
        answers = list(Answer.objects.filter(response=saved.response).order_by("pk").values("number", "text"))
        case = FollowUp.objects.values("status", "priority", "reason_codes", "due_at").get(pk=saved.followup.pk)
        event = FollowUpEvent.objects.values("kind", "params").get(followup_id=saved.followup.pk)
        for moving in ("id", "submission_key", "submitted_at", "customer_id"):
            response.pop(moving)
        return [response, answers, case, event]

    assert read(by_statement) == read(by_orm)
    saved = Response.objects.get(pk=by_statement.response.pk)
    assert (saved.touchpoint, saved.transaction_ref) == ("Checkout", "12345")
    assert Answer.objects.get(response=saved, question=q["long"]).text == customer_text
    assert FollowUp.objects.get(response=saved).due_at == due


@pytest.mark.django_db(transaction=True)  # no savepoint to roll back: the statement alone must save nothing
def test_an_invitation_claimed_meanwhile_adds_no_count(every_type):
    """Two submissions hold the same unanswered invitation (two devices, both past the page's checks): the second's
    claim fails inside its statement, and its answers, case and counts are not saved."""
    survey, q, _choices = every_type
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory())
    questions = list(survey.questions.all())
    answers = {q["nps"].pk: 2, q["csat"].pk: 1, q["yes_no"].pk: 0}

    def send(key: str) -> Response:
        return response_submit(
            survey=survey, questions=questions, answers=answers, language="en", source="invitation",
            invitation=invitation, submission_key=key, webhooks=False,
        )  # fmt: skip

    send("first-device")
    before = rollup_rows()
    with pytest.raises(AlreadyResponded):
        send("second-device")
    assert (Response.objects.count(), Answer.objects.count(), FollowUp.objects.count()) == (1, 3, 1)
    assert rollup_rows() == before
    assert sum(ResponseCount.objects.filter(monthly=False, unit_id__gte=0).values_list("responses", flat=True)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_and_deletions_count_each_response_exactly_once(every_type, org):
    """Eight threads submit through the one statement (no transaction around it) while a ninth deletes earlier
    responses of the same places; the counts touch the same rows in every order of answers. No deadlock, no error,
    and every rollup table equals a recount of what is left."""
    if not POSTGRES:
        pytest.skip(NEEDS_POSTGRES)
    survey, q, _choices = every_type
    store = org["units"]["north_store"]
    questions = list(survey.questions.order_by("order", "pk"))
    numbers = [q[code] for code in ("nps", "csat", "ces", "rating", "yes_no")]
    places = [ResponseContext(unit=store, channel="store"), ResponseContext(channel="web")]

    def answers(i: int) -> dict:
        given = {numbers[0].pk: (3, 9, 10)[i % 3], numbers[1].pk: 1 + i % 5, numbers[2].pk: 1 + i % 7}
        given |= {numbers[3].pk: 1 + i % 4, numbers[4].pk: i % 2, q["single"].pk: q["single"].choices.first().pk}
        given |= {q["long"].pk: f"comment {i}"} if i % 2 else {}
        return dict(reversed(given.items())) if i % 4 >= 2 else given

    def one(i: int) -> Response:
        return response_submit(survey=survey, questions=questions, answers=answers(i), language="en",
                               source="web", context=places[i % 2], webhooks=False)  # fmt: skip

    earlier = [one(i).pk for i in range(40)]
    threads_count, per_thread = 8, 12
    barrier = threading.Barrier(threads_count + 1)
    errors = []

    def submitter(index: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                one(index * per_thread + i)
        except Exception as error:  # noqa: BLE001  # reported below with the thread's index
            errors.append((index, error))
        finally:
            connections.close_all()

    def deleter() -> None:
        try:
            barrier.wait()
            for start in range(0, len(earlier), 5):
                responses_delete(responses=Response.objects.filter(pk__in=earlier[start : start + 5]))
        except Exception as error:  # noqa: BLE001
            errors.append(("deleter", error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(threads_count)]
    threads.append(threading.Thread(target=deleter))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    total = threads_count * per_thread
    assert Response.objects.filter(survey=survey).count() == total
    # Every detractor's case and its "opened" event came with it (and went with the deleted responses).
    detractors = set(Answer.objects.filter(question=numbers[0], number=3).values_list("response_id", flat=True))
    cases = set(FollowUp.objects.values_list("response_id", flat=True))
    assert len(detractors) == total // 3 and detractors <= cases <= set(Response.objects.values_list("pk", flat=True))
    assert FollowUpEvent.objects.filter(kind="opened").count() == len(cases)
    for monthly in (False, True):
        counted = ResponseCount.objects.filter(survey=survey, monthly=monthly, unit_id__gte=0)  # units, and none
        assert sum(counted.values_list("responses", flat=True)) == total
        assert sum(counted.values_list("comments", flat=True)) == total // 2
        nps = ScoreCount.objects.filter(question=numbers[0], monthly=monthly)
        by_number = {}
        for number, n in nps.filter(unit_id__gte=0).values_list("number", "n"):  # the store's and the unit-less
            by_number[number] = by_number.get(number, 0) + n
        assert by_number == {3: 32, 9: 32, 10: 32}
        single = ChoiceCount.objects.filter(question=q["single"], monthly=monthly, choice_id__gt=0, unit_id__gte=0)
        assert sum(single.values_list("n", flat=True)) == total
    kept = rollup_rows()
    rollups_rebuild()
    assert rollup_rows() == kept


def test_rollup_figures_equal_the_raw_answers_after_hosted_submissions(every_type, org, settings):
    """Forty hosted submissions with random answers, from a store's signed link and from the plain link: every
    question's figures from the rollups equal the raw engine's, for the survey, the store and a channel."""
    settings.RESULTS_MIN_SAMPLE, settings.SURVEY_SUBMIT_LIMIT = 1, 100  # every figure shown; one address sends all
    survey, q, choices = every_type
    store = org["units"]["north_store"]
    link = survey_public_link(survey=survey, context=ResponseContext(unit=store, channel="store", touchpoint="till"))
    rng = random.Random(19)
    for i in range(40):
        given = {
            **valid(q, choices),
            f"q{q['nps'].pk}": str(rng.randint(0, 10)),
            f"q{q['csat'].pk}": str(rng.randint(1, 5)),
            f"q{q['ces'].pk}": str(rng.randint(1, 7)),
            f"q{q['rating'].pk}": str(rng.randint(1, 4)),
            f"q{q['yes_no'].pk}": rng.choice(["0", "1"]),
            f"q{q['single'].pk}": str(rng.choice(choices["single"]).pk),
            f"q{q['multiple'].pk}": [str(c.pk) for c in choices["multiple"] if rng.random() < 0.5] or ["0"],
            f"q{q['short'].pk}": rng.choice(["", "ok"]),
        }
        if given[f"q{q['multiple'].pk}"] == ["0"]:  # required: at least one
            given[f"q{q['multiple'].pk}"] = [str(choices["multiple"][i % 3].pk)]
        assert submit(Client(), link if i % 2 else URL, given).status_code == 302
    assert Response.objects.count() == 40
    whole = Slice(survey=survey)
    for slice_ in (whole, whole.but(unit=store), whole.but(channel="store")):
        for question in (q["nps"], q["csat"], q["ces"], q["rating"], q["yes_no"]):
            assert figures(question_result(slice_, question)) == figures(
                question_result(slice_, question, use_rollups=False)
            ), question.type
        for question in (q["single"], q["multiple"], q["short"], q["long"]):
            assert choice_figures(question_result(slice_, question)) == choice_figures(
                question_result(slice_, question, use_rollups=False)
            ), question.type
    assert question_result(whole.but(unit=store), q["nps"]).headline.n == 20
    kept = rollup_rows()
    rollups_rebuild()
    assert rollup_rows() == kept
