"""The case desk: filters that narrow and never widen a person's scope, search, saved views, bulk reassignment for CX
leads only, confirmations on the case page, durations in hours and days, and a query count that does not grow."""

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cxprogram.templatetags.cx_format import duration_minutes
from surveys.demo_replies import seed_reply_templates
from surveys.models import Answer, FollowUp, FollowUpEvent, Question, ReplyTemplate, Response, SavedQueueView
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
QUEUE = "/followups/"


@pytest.fixture
def desk(org):
    """Cases in both stores: overdue, due later, contacted, resolved; one from an anonymous survey."""
    now = timezone.now()
    people, units = org["people"], org["units"]
    visit = SurveyFactory(public_id="visit", name="Visit")
    secret = SurveyFactory(public_id="secret", name="Secret", anonymous=True)
    for survey in (visit, secret):
        QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
        QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False, order=2)
    vip = CustomerFactory(external_id="VIP-7", name="Vera Important", email="vera@example.com", language="ru",
                          home_unit=units["north_store"], value_tier="high")  # fmt: skip

    def case(survey, unit, owner, *, comment, due, priority, customer=None, **extra):
        response = Response.objects.create(
            survey=survey, unit=unit, customer=customer, language="en", source="api", submitted_at=now
        )
        for question in survey.questions.all():
            value = {"number": 2} if question.type == QT.NPS else {"text": comment}
            Answer.objects.create(response=response, question=question, question_type=question.type, **value)
        return FollowUp.objects.create(
            response=response,
            unit=unit,
            owner=owner,
            reason_codes=[["nps", 2]],
            due_at=now + due,
            priority=priority,
            **extra,
        )

    manager, south = people["store_manager"], people["south_manager"]
    cases = {
        "overdue": case(visit, units["north_store"], manager, comment="Dirty fitting rooms", due=timedelta(hours=-5),
                        priority=90, customer=vip),
        "later": case(visit, units["north_store"], manager, comment="Nobody at the till, грязно", due=timedelta(days=3),
                      priority=20),
        "contacted": case(visit, units["north_store"], None, comment="Wrong price", due=timedelta(hours=-30),
                          priority=45, status="contacted", first_contact_at=now - timedelta(hours=31)),
        "resolved": case(visit, units["north_store"], manager, comment="Broken lamp", due=timedelta(days=-3),
                         priority=70, status="resolved", root_cause="quality", action_taken="Replaced",
                         first_contact_at=now - timedelta(days=4), resolved_at=now - timedelta(days=2)),
        "south": case(visit, units["south_store"], south, comment="Dirty floor in the south", due=timedelta(hours=-1),
                      priority=80),
        "anonymous": case(secret, units["north_store"], manager, comment="Vera was here", due=timedelta(hours=2),
                          priority=50, customer=vip),
    }  # fmt: skip
    return cases


def shown(client, query: str = "") -> list[int]:
    page = client.get(f"{QUEUE}?{query}")
    assert page.status_code == 200, page.content.decode()[:500]
    return [case.pk for case in page.context["page"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["overdue", "anonymous", "contacted", "later"]),  # open: overdue first, then by priority
        ("status=done", ["resolved"]),
        ("status=contacted", ["contacted"]),
        ("due=overdue", ["overdue"]),
        ("overdue=1", ["overdue"]),  # the home page's link
        ("priority=high", ["overdue"]),
        ("priority=low", ["later"]),
        ("survey=secret", ["anonymous"]),
        ("owner=none", ["contacted"]),
        ("mine=on", ["overdue", "anonymous", "later"]),
        ("q=dirty", ["overdue"]),  # words of the comment; the south store's "Dirty floor" is out of scope
        ("q=Vera+Important", ["overdue"]),  # the customer's name, but never through an anonymous survey
        ("q=vip-7", ["overdue"]),
        ("q=Vera", ["overdue", "anonymous"]),  # "Vera was here" is the anonymous comment's own words
        ("q=ГРЯЗНО", ["later"]),  # Russian, in any case
    ],
)
def test_manager_filters_narrow_the_queue(client, org, desk, query, expected):
    client.force_login(org["people"]["store_manager"].user)
    assert shown(client, query) == [desk[name].pk for name in expected]


def test_case_number_search_and_due_today(client, org, desk):
    client.force_login(org["people"]["lead"].user)
    assert shown(client, f"q=%23{desk['south'].pk}") == [desk["south"].pk]
    today = shown(client, "due=today")
    assert desk["overdue"].pk in today and desk["south"].pk in today and desk["later"].pk not in today


def test_a_filter_outside_ones_scope_is_refused_not_widened(client, org, desk):
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(f"{QUEUE}?unit={org['units']['south_store'].pk}")
    assert page.status_code == 400
    assert desk["south"].pk not in [case.pk for case in page.context["page"]]
    assert client.get(f"{QUEUE}?owner={org['people']['south_manager'].pk}").status_code == 400
    assert client.get(f"{QUEUE}?q=%00&status=%3Cscript%3E").status_code == 400


def test_rows_show_priority_the_comment_and_the_deadline_in_hours(client, org, desk):
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(QUEUE).content.decode()
    assert "High · 90" in page and "Dirty fitting rooms" in page
    assert "Overdue by 5 h" in page
    assert "Due in 3 d" in page  # the later case


@pytest.mark.parametrize(("minutes", "text"), [(45, "45 min"), (1367, "22 h 47 min"), (120, "2 h"), (3000, "2 d 2 h"),
                                               (-300, "5 h"), (None, "—")])  # fmt: skip
def test_durations_read_in_hours_and_days(minutes, text):
    assert duration_minutes(minutes) == text


def test_lead_reassigns_many_cases_and_nobody_else_can(client, org, desk):
    people = org["people"]
    client.force_login(people["store_manager"].user)
    ids = [desk["later"].pk, desk["contacted"].pk]
    assert client.post(reverse("followup-bulk-reassign"), {"case": ids, "owner": people["bob"].pk}).status_code == 404
    client.force_login(people["lead"].user)
    response = client.post(
        reverse("followup-bulk-reassign"), {"case": ids, "owner": people["north_manager"].pk, "back": "due=overdue"},
        follow=True,
    )  # fmt: skip
    assert response.redirect_chain[-1][0] == f"{QUEUE}?due=overdue"
    assert "2 cases given to" in response.content.decode()
    assert set(FollowUp.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {people["north_manager"].pk}
    assert FollowUpEvent.objects.filter(followup_id__in=ids, kind="assigned").count() == 2
    again = client.post(
        reverse("followup-bulk-reassign"), {"case": ids, "owner": people["north_manager"].pk}, follow=True
    )
    assert "0 cases given to" in again.content.decode()  # a replay changes nothing
    assert FollowUpEvent.objects.filter(followup_id__in=ids, kind="assigned").count() == 2
    nothing = client.post(reverse("followup-bulk-reassign"), {"owner": people["north_manager"].pk}, follow=True)
    assert "Tick the cases to reassign first." in nothing.content.decode()


def test_saved_views_belong_to_their_owner(client, org, desk):
    people = org["people"]
    client.force_login(people["store_manager"].user)
    response = client.post(
        reverse("followup-saved-views"), {"name": "Overdue VIPs", "query": "due=overdue&priority=high"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"{QUEUE}?due=overdue&priority=high"
    assert "The view “Overdue VIPs” is saved." in response.content.decode()
    assert [c.pk for c in response.context["page"]] == [desk["overdue"].pk]
    view = SavedQueueView.objects.get()
    client.post(reverse("followup-saved-views"), {"name": "Overdue VIPs", "query": "status=done"}, follow=True)
    assert SavedQueueView.objects.get().query == "status=done"  # saved again under its name: overwritten
    client.force_login(people["south_manager"].user)
    assert "Overdue VIPs" not in client.get(QUEUE).content.decode()
    client.post(reverse("followup-saved-views"), {"delete": view.pk, "query": ""})
    assert SavedQueueView.objects.count() == 1  # someone else's view cannot be deleted
    refused = client.post(reverse("followup-saved-views"), {"name": "  ", "query": "x=1"}, follow=True)
    assert "Give the view a name." in refused.content.decode()


def test_case_page_links_the_timeline_confirms_actions_and_keeps_a_failed_reply(client, org, desk):
    seed_reply_templates()
    case = desk["overdue"]
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(case.get_absolute_url()).content.decode()
    assert reverse("customer-timeline", args=[case.response.customer_id]) in page
    assert "{name}, здравствуйте!".replace("{name}", "Vera Important") in page  # the Russian template, name filled in
    done = client.post(reverse("followup-act", args=[case.pk, "contacted"]), follow=True)
    assert "Marked as contacted." in done.content.decode()
    failed = client.post(reverse("followup-act", args=[case.pk, "reply"]), {"subject": "", "body": "Мой ответ"})
    assert failed.status_code == 400 and "Мой ответ" in failed.content.decode()
    anonymous = client.get(desk["anonymous"].get_absolute_url()).content.decode()
    assert reverse("customer-timeline", args=[desk["anonymous"].response.customer_id]) not in anonymous


def test_demo_reply_templates_cover_every_root_cause_in_both_languages():
    assert seed_reply_templates() == 18
    assert seed_reply_templates() == 18  # idempotent
    for language in ("ru", "en"):
        causes = set(ReplyTemplate.objects.filter(language=language).values_list("root_cause", flat=True))
        assert causes == {"", *FollowUp.RootCause.values} - {"other"}


@pytest.mark.parametrize("who", ["lead", "store_manager"])
def test_queue_query_count_does_not_grow_with_cases(client, org, desk, who):
    client.force_login(org["people"][who].user)
    with CaptureQueriesContext(connection) as before:
        shown(client, "q=a&priority=high")
        shown(client)
    survey = desk["later"].response.survey
    for i in range(25):
        response = Response.objects.create(
            survey=survey, unit=org["units"]["north_store"], language="en", source="api",
            customer=CustomerFactory(name=f"Anna {i}"), submitted_at=timezone.now(),
        )  # fmt: skip
        FollowUp.objects.create(response=response, unit=response.unit, owner=org["people"]["store_manager"],
                                reason_codes=[["nps", 1]], due_at=timezone.now() - timedelta(hours=i),
                                priority=i)  # fmt: skip
    with CaptureQueriesContext(connection) as after:
        shown(client, "q=a&priority=high")
        shown(client)
    assert len(after) == len(before)
    # two queue pages; each reads the theme filter's choices once, and the loop by channel (one query, and one
    # median per channel, here one)
    assert len(after) <= {"lead": 34, "store_manager": 32}[who]


def _template_options(page: str) -> list[tuple[str, list[str]]]:
    """The reply-template select as (group label, option texts) in the order shown."""
    select = re.search(r'<select id="template" name="template">(.*?)</select>', page, re.S).group(1)
    return [
        (label, [html.unescape(text) for text in re.findall(r"<option[^>]*>([^<]*)</option>", options)])
        for label, options in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.S)
    ]


@pytest.mark.parametrize(
    ("customer_language", "own", "other", "drafted"),
    [
        ("ru", "Ответ клиенту", "Reply to the customer (English)", "Vera Important, здравствуйте!"),
        ("en", "Reply to the customer", "Ответ клиенту (Русский)", "Dear Vera Important,"),
    ],
)
def test_reply_templates_in_the_customers_language_come_first_then_the_others(
    client, org, desk, customer_language, own, other, drafted
):
    seed_reply_templates()
    case = desk["overdue"]
    case.response.customer.language = customer_language
    case.response.customer.save(update_fields=["language"])
    client.force_login(org["people"]["store_manager"].user)
    page = client.get(case.get_absolute_url()).content.decode()
    (first_label, first), (second_label, second) = _template_options(page)
    assert (first_label, second_label) == ("In the customer's language", "In other languages")
    assert len(first) == len(second) == 9  # each root cause and a general one, in each language
    assert first[0] == own and second[0] == other
    assert all(not text.endswith(("(English)", "(Русский)")) for text in first)
    assert drafted in html.unescape(page)  # the draft starts from the customer's language
    # A template in the other language can still be chosen and fills in the name.
    english = ReplyTemplate.objects.get(name="Reply to the customer")
    chosen = html.unescape(client.get(case.get_absolute_url(), {"template": english.pk}).content.decode())
    assert "Dear Vera Important," in chosen
    assert f'<option value="{english.pk}" lang="en" selected>' in chosen
    assert re.search(rf'<textarea name="body"[^>]* lang="{customer_language}"', chosen)  # spellcheck in that language
