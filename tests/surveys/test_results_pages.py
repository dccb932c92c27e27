"""Results pages: who sees what, pinned query counts, the CSV export and the allies lists."""

import csv
import io

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from surveys.links import ResponseContext
from surveys.models import Question
from surveys.selectors.exports import spreadsheet_safe
from surveys.services.responses import response_submit
from tests.cxprogram.factories import CustomerFactory
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type


@pytest.fixture
def results(org, settings):
    settings.RESULTS_MIN_SAMPLE = 2
    survey = SurveyFactory(public_id="res", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False)
    north, south = org["units"]["north_store"], org["units"]["south_store"]
    vip = CustomerFactory(external_id="VIP1", name="Vera VIP", value_tier="high")
    for unit, score, text, customer in [
        (north, 10, "Lovely staff", vip),
        (north, 9, '=HYPERLINK("http://evil")', None),
        (south, 2, "Queue was long", CustomerFactory(value_tier="high", name="Sid South")),
        (south, 3, "", None),
    ]:
        answers = {nps.pk: score} | ({comment.pk: text} if text else {})
        response_submit(
            survey=survey, questions=[nps, comment], answers=answers, language="en", source="api",
            context=ResponseContext(unit=unit), customer=customer,
        )  # fmt: skip
    return survey, org


def page(client, user, url):
    client.force_login(user)
    return client.get(url, headers={"accept-language": "en"})


def test_lead_sees_every_unit(client, results):
    _survey, org = results
    html = page(client, org["people"]["lead"].user, "/results/res/").content.decode()
    assert "North store" in html and "South store" in html
    assert '<span class="figure-value">0</span>' in html  # 2 promoters and 2 detractors of 4


def test_manager_sees_only_the_unit_subtree(client, results):
    _survey, org = results
    response = page(client, org["people"]["north_manager"].user, "/results/res/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "North store" in html
    assert "South store" not in html
    assert "Queue was long" not in html
    assert '<span class="figure-value">100</span>' in html  # NPS of the north store: two promoters


def test_frontline_employees_have_no_results_pages(client, results):
    _survey, org = results
    assert page(client, org["people"]["alice"].user, "/results/res/").status_code == 404
    assert page(client, org["people"]["alice"].user, "/results/").status_code == 404


def test_bad_filters_get_a_400_with_the_reason(client, results):
    _survey, org = results
    response = page(client, org["people"]["lead"].user, "/results/res/?date_from=2026-05-01&date_to=2026-01-01&by=x")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The end date is before the start date." in html
    assert "Select a valid choice. x is not one of the available choices." in html


def test_comment_search_and_escaping(client, results):
    _survey, org = results
    html = page(client, org["people"]["lead"].user, "/results/res/?q=queue").content.decode()
    assert "Queue was long" in html
    assert "Lovely staff" not in html


def test_results_page_query_count_does_not_grow_with_responses(client, results, django_assert_num_queries):
    survey, org = results
    client.force_login(org["people"]["lead"].user)
    nps = survey.questions.get(code="nps")
    for _ in range(30):
        response_submit(survey=survey, questions=[nps], answers={nps.pk: 7}, language="en", source="api")
    # Session, user and employee; the survey, the touchpoint and theme filters' choices, the questions and their
    # choices; from the rollups the score figures with their trend (one pass), the choice and text questions, the
    # breakdown, the responses and comments counted; the breakdown's unit names; invitations; the page of comments
    # and their theme mentions; the loop (its medians in the same query on PostgreSQL, one query each elsewhere),
    # its root causes and the loop by channel; the filter form's units and segments.
    expected = 21 if connection.vendor == "postgresql" else 23
    with django_assert_num_queries(expected) as captured:
        assert client.get("/results/res/?by=unit").status_code == 200
    answers = [q["sql"] for q in captured.captured_queries if '"surveys_answer"' in q["sql"].split(" WHERE ")[0]]
    assert len(answers) == 1 and " LIMIT 3" in answers[0]  # only the page of comments (3 of them), never a count


def test_the_comment_lists_count_comes_from_the_rollups_unless_a_filter_needs_the_texts(client, results):
    _survey, org = results
    client.force_login(org["people"]["lead"].user)
    page_ = client.get("/results/res/", headers={"accept-language": "en"})
    assert (page_.context["results"].responses, page_.context["comments"].paginator.count) == (4, 3)
    searched = client.get("/results/res/?q=queue", headers={"accept-language": "en"})
    assert searched.context["comments"].paginator.count == 1
    low = client.get("/results/res/?band=unhappy", headers={"accept-language": "en"})
    assert low.context["comments"].paginator.count == 1  # "Queue was long" (2); the 3 left no comment
    client.force_login(org["people"]["north_manager"].user)
    north = client.get("/results/res/", headers={"accept-language": "en"})
    assert (north.context["results"].responses, north.context["comments"].paginator.count) == (2, 2)


def test_csv_export_has_a_row_per_response_and_neutralises_formulas(client, results):
    _survey, org = results
    response = page(client, org["people"]["lead"].user, "/results/res/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    header, body = rows[0], rows[1:]
    assert header[-2:] == ["nps", "comment"]
    assert len(body) == 4
    by_comment = {row[-1]: row for row in body}
    assert by_comment['\'=HYPERLINK("http://evil")'][-2] == "9"
    assert by_comment["Lovely staff"][header.index("customer_external_id")] == "VIP1"


def test_manager_export_is_limited_to_the_subtree(client, results):
    _survey, org = results
    response = page(client, org["people"]["south_manager"].user, "/results/res/export.csv")
    body = b"".join(response.streaming_content).decode()
    assert "Queue was long" in body
    assert "Lovely staff" not in body


@given(st.text())
def test_no_exported_cell_can_start_a_formula(text):
    cell = spreadsheet_safe(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.endswith(text)


def test_allies_lists_high_value_promoters_and_detractors(client, results):
    _survey, org = results
    html = page(client, org["people"]["lead"].user, "/results/res/allies/").content.decode()
    assert "Vera VIP" in html and "Lovely staff" in html
    assert "Sid South" in html and "Queue was long" in html
    download = page(client, org["people"]["lead"].user, "/results/res/allies/?format=csv&list=detractors")
    assert download.content.decode().splitlines()[1].startswith(f"{_customer('Sid South')},Sid South,")


def _customer(name):
    from cxprogram.models import Customer

    return Customer.objects.get(name=name).external_id


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31"])
@pytest.mark.parametrize("page", ["", "allies/", "export.csv"])
def test_dates_at_the_ends_of_the_calendar_are_a_400_with_the_reason(client, org, query, page):
    SurveyFactory(public_id="ends")
    client.force_login(org["people"]["lead"].user)
    response = client.get(f"/results/ends/{page}?{query}")
    assert response.status_code == 400
    assert "Enter a date between 1900-01-01 and 2999-12-31." in response.content.decode()
