"""The hosted survey's hot path: one small query before the page, everything near-constant kept per process and
reloaded when the survey changes, the submission's rows in one statement on PostgreSQL, webhooks exactly once,
rollups equal to the raw answers, a replay saved once. Runs on SQLite and on PostgreSQL (DATABASE_URL)."""

import random
from urllib.parse import unquote

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from cxprogram.models import Webhook, WebhookDelivery
from surveys.links import ResponseContext, survey_public_link
from surveys.models import Answer, Choice, FollowUp, FollowUpEvent, Invitation, Question, Response, ScoreCount
from surveys.services.rollups_rebuild import rollups_rebuild
from surveys.services.surveys import survey_touch
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.conftest import form_state, submit
from tests.surveys.factories import InvitationFactory, QuestionFactory, SurveyFactory
from tests.surveys.test_hosted_survey import URL, valid

pytestmark = pytest.mark.django_db
POSTGRES = connection.vendor == "postgresql"
QT = Question.Type


def detractor(q, choices):
    return {**valid(q, choices), f"q{q['nps'].pk}": "3"}


def counted(client, method, url, data=None) -> tuple:
    with CaptureQueriesContext(connection) as queries:
        reply = client.get(url) if method == "GET" else client.post(url, data)
    return reply, [query["sql"] for query in queries.captured_queries]


def test_a_public_link_costs_one_small_query_to_show_and_two_to_save_on_postgresql(client, every_type):
    _survey, q, choices = every_type
    client.get(URL)  # this process loads the definition once
    page, queries = counted(client, "GET", URL)
    assert page.status_code == 200
    assert len(queries) == 1 and "updated_at" in queries[0]  # the version, and whether any webhook listens
    data = {**form_state(page.content.decode()), "next": "1", **valid(q, choices)}
    reply, queries = counted(client, "POST", URL, data)
    assert reply.status_code == 302
    # Tests run inside a transaction, so the one statement (rows and rollups) takes a savepoint (without one:
    # version + statement). SQLite: savepoint, response, answers, four rollup upserts, release; no webhook lookup.
    assert len(queries) == (4 if POSTGRES else 9)
    assert Response.objects.get().answers.count() == 10


def test_a_case_is_opened_in_the_same_statement(client, every_type):
    _survey, q, choices = every_type
    page = client.get(URL)
    data = {**form_state(page.content.decode()), "next": "1", **detractor(q, choices)}
    reply, queries = counted(client, "POST", URL, data)
    assert (reply.status_code, reply.url) == (302, "/s/all-types/thanks/unhappy/?lang=en")
    assert len(queries) == (4 if POSTGRES else 11)  # SQLite: and the case, and its first event
    case = FollowUp.objects.get()
    assert (case.response, case.reason_codes, case.status) == (Response.objects.get(), [["nps", 3]], "new")
    assert list(FollowUpEvent.objects.values_list("followup", "kind", "params")) == [
        (case.pk, "opened", {"reasons": [["nps", 3]]})
    ]


def test_a_personal_invitation_costs_three_queries_to_show_and_to_save(every_type, org):
    survey, q, choices = every_type
    store, manager = org["units"]["north_store"], org["people"]["store_manager"]
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory(), unit=store, touchpoint="till")
    url = f"/s/i/{invitation.token}/"
    Client().get(URL)  # the definition is loaded in this process (by the survey's public link)
    page, queries = counted(Client(), "GET", url)
    assert page.status_code == 200
    assert len(queries) == 3  # the invitation, the survey's version, the invitation marked opened
    assert len(counted(Client(), "GET", url)[1]) == 2  # opened already
    data = {**form_state(page.content.decode()), "next": "1", **detractor(q, choices)}
    client = Client()
    reply, queries = counted(client, "POST", url, data)
    assert reply.status_code == 302
    # The invitation, the version, the unit's manager (the case's owner); then on PostgreSQL one statement that
    # claims the invitation and writes everything, rollups too (in a savepoint here); SQLite: savepoint, claim,
    # response, answers, rollups, case, events, release.
    assert len(queries) == (6 if POSTGRES else 14)
    response = Response.objects.get()
    assert (response.invitation, response.unit, response.touchpoint, response.source) == (
        invitation, store, "till", "invitation"
    )  # fmt: skip
    invitation.refresh_from_db()
    assert invitation.responded_at == response.submitted_at
    case = FollowUp.objects.get()
    assert (case.owner, case.unit) == (manager, store)
    assert list(case.events.values_list("kind", flat=True)) == ["opened", "assigned"]
    again = client.post(url, data)  # the same page sent again: saved once, and this browser is told so
    assert again.status_code == 409
    assert (Response.objects.count(), FollowUp.objects.count(), Answer.objects.count()) == (1, 1, 10)


def test_a_replayed_post_saves_once(client, every_type):
    _survey, q, choices = every_type
    page = client.get(URL)
    data = {**form_state(page.content.decode()), "next": "1", **detractor(q, choices)}
    assert client.post(URL, data).status_code == 302
    before = list(ScoreCount.objects.order_by("question", "number").values_list("question", "number", "n"))
    replay = client.post(URL, data)
    assert replay.status_code == 409
    assert "already" in replay.content.decode().lower() or "получ" in replay.content.decode().lower()
    assert (Response.objects.count(), Answer.objects.count(), FollowUp.objects.count()) == (1, 10, 1)
    assert list(ScoreCount.objects.order_by("question", "number").values_list("question", "number", "n")) == before


def test_rollups_equal_the_raw_answers_after_many_submissions(every_type):
    _survey, q, choices = every_type
    rng = random.Random(7)
    for _i in range(25):
        answers = {
            **valid(q, choices),
            f"q{q['nps'].pk}": str(rng.randint(0, 10)),
            f"q{q['csat'].pk}": str(rng.randint(1, 5)),
            f"q{q['ces'].pk}": str(rng.randint(1, 7)),
            f"q{q['rating'].pk}": str(rng.randint(1, 4)),
            f"q{q['yes_no'].pk}": rng.choice(["0", "1"]),
        }
        assert submit(Client(), URL, answers).status_code == 302
    key = ("day", "question", "unit_id", "channel", "touchpoint", "number", "n")
    kept = sorted(ScoreCount.objects.values_list(*key))
    rollups_rebuild()
    rebuilt = sorted(ScoreCount.objects.values_list(*key))
    assert kept == rebuilt
    # on its day and in its month, in its unit's rows and in those of all units together
    assert sum(row[-1] for row in kept if row[1] == q["nps"].pk) == 100
    assert Response.objects.count() == 25 and Answer.objects.count() == 250


def test_webhooks_fire_exactly_once_and_a_new_one_counts_at_once(client, every_type):
    _survey, q, choices = every_type
    assert submit(client, URL, detractor(q, choices)).status_code == 302
    assert WebhookDelivery.objects.count() == 0  # none switched on
    hook = Webhook.objects.create(name="CRM", url="https://crm.example.com/in", events=[e.value for e in Webhook.Event])
    assert submit(Client(), URL, detractor(q, choices)).status_code == 302  # the cached definition is reused
    second = Response.objects.order_by("pk").last()
    case = FollowUp.objects.get(response=second)
    deliveries = list(WebhookDelivery.objects.order_by("pk").values_list("webhook", "event", "payload"))
    assert [(hook_id, event) for hook_id, event, _payload in deliveries] == [
        (hook.pk, "response.submitted"), (hook.pk, "case.opened")
    ]  # fmt: skip
    assert deliveries[0][2]["data"]["id"] == second.pk
    assert deliveries[1][2]["data"]["id"] == case.pk
    hook.active = False
    hook.save()
    assert submit(Client(), URL, detractor(q, choices)).status_code == 302
    assert WebhookDelivery.objects.count() == 2


def test_an_edit_in_the_admin_reaches_the_next_page_and_submission(admin_client, client, every_type):
    survey, q, choices = every_type
    single = q["single"]
    assert "Red" in client.get(URL).content.decode()
    data = {
        "survey": survey.pk, "page": 1, "order": single.order, "code": "single", "type": "single",
        "required": "on", "text_en": "Pick a colour", "text_ru": "Выберите цвет",
        "show_if_question": q["nps"].pk, "show_if_operator": "lte", "show_if_value": "6",
        "choices-TOTAL_FORMS": "3", "choices-INITIAL_FORMS": "2",
        "choices-0-id": choices["single"][0].pk, "choices-0-order": 0, "choices-0-text_en": "Crimson",
        "choices-0-text_ru": "Малиновый", "choices-0-question": single.pk,
        "choices-1-id": choices["single"][1].pk, "choices-1-order": 1, "choices-1-text_en": "Blue",
        "choices-1-text_ru": "Синий", "choices-1-question": single.pk, "choices-1-DELETE": "on",
        "choices-2-order": 2, "choices-2-text_en": "Green", "choices-2-text_ru": "Зелёный",
        "choices-2-question": single.pk,
    }  # fmt: skip
    edit = admin_client.post(f"/admin/surveys/question/{single.pk}/change/", data)
    assert edit.status_code == 302, edit.context_data["errors"]
    green = Choice.objects.get(question=single, text_en="Green")
    page = client.get(URL, headers={"accept-language": "en"}).content.decode()
    assert "Pick a colour" in page and "Crimson" in page and "Green" in page
    assert "Blue" not in page and "Red" not in page
    assert f'data-show-if="q{q["nps"].pk}" data-op="lte" data-value="6"' in page
    # The removed choice is refused, the new one accepted, and the new logic hides the question for a promoter.
    blue = choices["single"][1].pk
    refused = submit(Client(), URL, {**detractor(q, choices), f"q{single.pk}": str(blue)})
    assert refused.status_code == 400
    ok = submit(Client(), URL, {**detractor(q, choices), f"q{single.pk}": str(green.pk)})
    assert ok.status_code == 302
    assert Answer.objects.get(question=single).choice == green
    hidden = submit(Client(), URL, {**valid(q, choices), f"q{single.pk}": str(green.pk)})  # NPS 9
    assert hidden.status_code == 302
    assert Answer.objects.filter(question=single).count() == 1  # the hidden question's answer is dropped


def test_another_process_editing_the_survey_is_seen_through_the_version(client, every_type):
    """Another server process edits rows and touches the survey; this process only sees the version change."""
    survey, q, choices = every_type
    assert "Question nps" in client.get(URL).content.decode()
    Question.objects.filter(pk=q["nps"].pk).update(text_en="Новый текст вопроса", text_ru="Новый текст вопроса")
    assert "Новый текст вопроса" not in client.get(URL).content.decode()  # not touched: this process keeps its copy
    survey_touch(survey_id=survey.pk)
    assert "Новый текст вопроса" in client.get(URL).content.decode()
    extra = QuestionFactory(survey=survey, code="extra", type=QT.YES_NO, order=99)
    survey_touch(survey_id=survey.pk)
    page = client.get(URL)
    assert f'name="q{extra.pk}"' in page.content.decode()
    data = {**form_state(page.content.decode()), "next": "1", **valid(q, choices)}
    assert client.post(URL, data).status_code == 400  # the new required question must be answered
    assert submit(Client(), URL, {**valid(q, choices), f"q{extra.pk}": "1"}).status_code == 302
    assert Answer.objects.get(question=extra).number == 1


def test_each_visitor_gets_their_own_tokens_on_the_reused_page(every_type):
    _survey, _q, _choices = every_type
    first, second = Client(), Client()
    one, two = first.get(URL + "?x=<b>"), second.get(URL)
    a, b = form_state(one.content.decode()), form_state(two.content.decode())
    assert a["state"] != b["state"] and a["csrfmiddlewaretoken"] != b["csrfmiddlewaretoken"]
    assert one.cookies["csrftoken"].value and two.cookies["csrftoken"].value
    assert 'action="/s/all-types/?x=%3Cb%3E"' in one.content.decode()  # the address is escaped
    assert "cxslot" not in one.content.decode()
    english = Client().get(URL, headers={"accept-language": "en"}).content.decode()
    assert '<html lang="en">' in english and 'name="lang" value="en"' in english
    assert "Send answers" in english and "Отправить" not in english


def test_a_signed_link_context_is_kept_on_the_reused_page(client, every_type, org):
    survey, q, choices = every_type
    unit = org["units"]["south_store"]
    link = survey_public_link(survey=survey, context=ResponseContext(unit=unit, touchpoint="till", channel="store"))
    client.get(URL)  # the page without a context is made first
    page = client.get(link)
    assert form_state(page.content.decode())["ctx"] == unquote(link.split("ctx=")[1])
    assert submit(Client(), link, valid(q, choices)).status_code == 302
    assert Response.objects.values_list("unit", "touchpoint", "channel").get() == (unit.pk, "till", "store")
    assert ScoreCount.objects.filter(unit_id=unit.pk, touchpoint="till", channel="store").count() == 10  # day, month


def test_an_anonymous_survey_keeps_nothing_personal_in_the_one_statement(client, every_type):
    survey, q, choices = every_type
    survey.anonymous = True
    survey.save()
    invitation = InvitationFactory(survey=survey, customer=CustomerFactory())
    assert submit(client, f"/s/i/{invitation.token}/", detractor(q, choices)).status_code == 302
    response = Response.objects.get()
    assert (response.anonymous, response.invitation, response.customer, response.duration_seconds) == (
        True, None, None, None
    )  # fmt: skip
    assert FollowUp.objects.count() == 0
    assert Invitation.objects.get().responded_at == invitation.created_at


def test_questions_deleted_in_bulk_or_moved_in_the_admin_leave_no_stale_hosted_page(every_type, admin_user):
    """The hosted page keeps its survey's definition per process until the survey is touched: the admin's bulk
    delete and a question moved to another survey must touch every survey they change, or the old page would
    still ask the question and save its answer under a survey it no longer belongs to."""
    _survey, q, choices = every_type
    other = SurveyFactory(public_id="other-survey", status="live")
    request = RequestFactory().post("/")
    request.user = admin_user
    questions = site._registry[Question]
    assert f'name="q{q["rating"].pk}"' in Client().get(URL).content.decode()  # the definition is kept now

    questions.delete_queryset(request, Question.objects.filter(pk=q["rating"].pk))
    page = Client().get(URL).content.decode()
    assert f'name="q{q["rating"].pk}"' not in page and f'name="q{q["nps"].pk}"' in page

    moved = q["yes_no"]
    form = questions.get_form(request, moved)(data={**model_to_dict(moved), "survey": other.pk}, instance=moved)
    assert form.is_valid(), form.errors
    questions.save_model(request, form.save(commit=False), form, change=True)
    questions.save_related(request, form, [], change=True)
    assert f'name="q{moved.pk}"' not in Client().get(URL).content.decode()
    data = {**valid(q, choices), f"q{moved.pk}": "1"}
    data.pop(f"q{q['rating'].pk}", None)
    assert submit(Client(), URL, data).status_code == 302
    assert not Answer.objects.filter(question=moved).exists()  # nothing saved under the other survey's question
