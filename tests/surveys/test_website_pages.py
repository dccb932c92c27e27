"""Results per website page and section: figures with Wilson intervals, weakest pages first, newest comments
escaped, for CX leads only."""

import pytest

from surveys.models import WidgetOrigin
from surveys.selectors.website import widget_survey
from surveys.services.website import website_answer_submit
from tests.surveys.factories import QuestionFactory, SurveyFactory

SITE = "https://help.example.com"


def give(widget, path, helped, comment="", section=""):
    website_answer_submit(
        widget=widget, helped=helped, comment=comment, page_url=SITE + path, section=section or path.split("/")[1],
        language="en", submission_key=None,
    )  # fmt: skip


@pytest.fixture
def answered(db, settings):
    settings.RESULTS_MIN_SAMPLE = 5
    survey = SurveyFactory(public_id="help")
    QuestionFactory(survey=survey, code="helped", type="yes_no", text_en="Did this page help you?")
    QuestionFactory(survey=survey, code="why", type="long_text", required=False)
    WidgetOrigin.objects.create(survey=survey, origin=SITE)
    widget = widget_survey(public_id="help")
    for n in range(10):
        give(widget, "/docs/a", n < 3, comment=f"a comment {n}" if n >= 6 else "")
    for n in range(8):
        give(widget, "/docs/b", n < 7)
    give(widget, "/c", False, comment="<script>alert('x')</script>")
    give(widget, "/c", False)
    return survey, widget


def test_pages_weakest_first_with_wilson_intervals_and_sections(client, org, answered):
    client.force_login(org["people"]["lead"].user)
    response = client.get("/results/help/pages/")
    assert response.status_code == 200
    pages = response.context["results"].pages
    assert [(p.label, p.figure.n, p.helped) for p in pages] == [
        (SITE + "/docs/a", 10, 3),
        (SITE + "/docs/b", 8, 7),
        (SITE + "/c", 2, 0),
    ]
    a, b, c = (p.figure for p in pages)
    assert (round(a.value, 1), round(a.low, 1), round(a.high, 1)) == (30.0, 10.8, 60.3)
    assert (round(b.value, 1), round(b.low, 1), round(b.high, 1)) == (87.5, 52.9, 97.8)
    assert c.value is None  # 2 answers: not enough for a share
    assert [c.text for c in pages[0].comments] == ["a comment 9", "a comment 8", "a comment 7"]  # newest three
    sections = response.context["results"].sections
    assert [(s.label, s.figure.n, s.helped) for s in sections] == [("docs", 18, 10), ("c", 2, 0)]
    html = response.content.decode()
    assert f'<a href="{SITE}/docs/a" rel="noopener noreferrer" class="page-address">{SITE}/docs/a</a>' in html
    assert "30%</strong>" in html and "95% interval 11–60%" in html
    assert "0 of 2 said yes — not enough answers for a share (needs 5)" in html
    assert html.index("/docs/a</a>") < html.index("/docs/b</a>") < html.index("/c</a>")


def test_customer_text_is_escaped(client, org, answered):
    client.force_login(org["people"]["lead"].user)
    html = client.get("/results/help/pages/").content.decode()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>alert(" not in html


def test_in_russian(client, org, answered):
    client.force_login(org["people"]["lead"].user)
    html = client.get("/results/help/pages/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Страницы сайта: помогла ли страница?" in html
    assert "0 из 2 ответили «да» — мало ответов для доли (нужно 5)" in html


@pytest.mark.parametrize("who", ["north_manager", "store_manager", "alice"])
def test_only_cx_leads_see_it(client, org, answered, who):
    client.force_login(org["people"][who].user)
    assert client.get("/results/help/pages/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, answered):
    response = client.get("/results/help/pages/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_linked_from_the_survey_results_for_leads(client, org, answered):
    client.force_login(org["people"]["lead"].user)
    assert 'href="/results/help/pages/"' in client.get("/results/help/").content.decode()


def test_query_count_does_not_grow_with_pages(client, org, answered, django_assert_max_num_queries):
    _survey, widget = answered
    client.force_login(org["people"]["lead"].user)
    for n in range(20):
        give(widget, f"/more/{n}", n % 2 == 0, comment=f"c{n}")
    with django_assert_max_num_queries(12):
        assert client.get("/results/help/pages/").status_code == 200


def test_no_answers_yet(client, org, db):
    survey = SurveyFactory(public_id="empty")
    QuestionFactory(survey=survey, code="helped", type="yes_no")
    client.force_login(org["people"]["lead"].user)
    html = client.get("/results/empty/pages/").content.decode()
    assert "No answers from the website widget yet." in html
    assert "No site is allowed to show the widget yet" in html


def test_an_anonymous_survey_has_no_pages_view(client, org, db):
    survey = SurveyFactory(public_id="anon", anonymous=True)
    QuestionFactory(survey=survey, code="helped", type="yes_no")
    client.force_login(org["people"]["lead"].user)
    assert client.get("/results/anon/pages/").status_code == 404
