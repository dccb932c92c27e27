"""The website widget's endpoints as a browser on another site and an attacker would use them: the allow-list of
origins (CORS), preflight, no cookies, the rate limit, hostile bodies, and answers saved like any response."""

import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from cxprogram.models import Channel
from surveys.models import FollowUp, Response, Survey, WebsitePage, WidgetOrigin
from tests.surveys.factories import QuestionFactory, SurveyFactory

QT = "yes_no"
SITE = "https://help.example.com"
PAGE = SITE + "/delivery/tracking?order=12345&email=ann%40example.com#step-2"


@pytest.fixture
def widget(db):
    survey = SurveyFactory(public_id="help", default_language="ru", followup_keywords="жалоба")
    helped = QuestionFactory(survey=survey, code="helped", type=QT, text_en="Did this page help you?",
                             text_ru="Эта страница вам помогла?")  # fmt: skip
    why = QuestionFactory(survey=survey, code="why", type="long_text", required=False, max_length=300)
    WidgetOrigin.objects.create(survey=survey, origin=SITE)
    return survey, helped, why


def post(client, body, *, origin=SITE, survey="help", raw=None, **extra):
    data = raw if raw is not None else json.dumps(body)
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(f"/w/{survey}/answers/", data, content_type="application/json", **headers, **extra)


def answer(**changes):
    return {"helped": False, "comment": "Не нашёл номер заказа", "page": PAGE, "lang": "ru"} | changes


def test_the_script_is_served_for_any_site_without_cookies(client):
    response = client.get("/w.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=3600"
    body = response.content.decode()
    assert 'credentials: "omit"' in body and "attachShadow" in body
    assert "innerHTML" not in body and "eval(" not in body  # runs under a host page's strict CSP
    assert not response.cookies


def test_config_in_the_page_language_for_an_allowed_origin(client, widget):
    response = client.get("/w/help/?lang=en", HTTP_ORIGIN=SITE)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SITE
    assert "Access-Control-Allow-Credentials" not in response
    assert "Origin" in response["Vary"]
    data = response.json()
    assert (data["lang"], data["question"], data["yes"], data["no"], data["send"]) == (
        "en",
        "Did this page help you?",
        "Yes",
        "No",
        "Send",
    )
    assert data["max_length"] == 300
    ru = client.get("/w/help/?lang=xx", HTTP_ORIGIN=SITE).json()  # unknown: the survey's default language
    assert (ru["lang"], ru["question"], ru["yes"], ru["no"]) == ("ru", "Эта страница вам помогла?", "Да", "Нет")
    assert not response.cookies


@pytest.mark.parametrize("origin", ["https://evil.example", "http://help.example.com", "null", ""])
def test_a_foreign_or_missing_origin_gets_403_and_no_cors_headers(client, widget, origin):
    for response in (client.get("/w/help/", **({"HTTP_ORIGIN": origin} if origin else {})),
                     post(client, answer(), origin=origin)):  # fmt: skip
        assert response.status_code == 403
        assert "Access-Control-Allow-Origin" not in response
        assert response.json() == {"error": "Этому сайту не разрешено показывать этот опрос."}
    assert Response.objects.count() == 0


def test_preflight_allowed_and_refused(client, widget):
    allowed = client.options(
        "/w/help/answers/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )  # fmt: skip
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SITE
    assert allowed["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert allowed["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Access-Control-Allow-Credentials" not in allowed
    refused = client.options("/w/help/answers/", HTTP_ORIGIN="https://evil.example")
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_an_answer_is_saved_as_a_website_response_with_the_page_stripped(client, widget):
    survey, helped, why = widget
    response = post(client, answer(section="  Доставка  и\nсроки "))
    assert response.status_code == 201
    assert response.json() == {"thanks": "Спасибо! Ваш ответ поможет сделать эту страницу лучше."}
    assert response["Access-Control-Allow-Origin"] == SITE
    assert not response.cookies and "Set-Cookie" not in response
    saved = Response.objects.get()
    assert (saved.survey, saved.channel, saved.source, saved.language) == (survey, Channel.WEB, "widget", "ru")
    assert {a.question_id: (a.number, a.text) for a in saved.answers.all()} == {
        helped.pk: (0, ""),
        why.pk: (None, "Не нашёл номер заказа"),
    }
    page = WebsitePage.objects.get()
    assert (page.response, page.url, page.section) == (saved, SITE + "/delivery/tracking", "Доставка и сроки")


def test_the_section_is_the_first_path_segment_when_the_page_names_none(client, widget):
    post(client, answer(page=SITE + "/Returns%20Centre/how?x=1", comment=""))
    post(client, answer(page=SITE, comment="", key="b" * 22))
    assert sorted(WebsitePage.objects.values_list("url", "section")) == [
        (SITE + "/", ""),
        (SITE + "/Returns%20Centre/how", "Returns Centre"),
    ]


def test_a_resent_answer_with_the_same_key_is_saved_once(client, widget):
    first = post(client, answer(key="k" * 22))
    again = post(client, answer(key="k" * 22))
    assert (first.status_code, again.status_code) == (201, 200)
    assert Response.objects.count() == 1 and WebsitePage.objects.count() == 1


def test_a_no_with_a_keyword_opens_a_case_by_the_surveys_rules(client, widget):
    post(client, answer(comment="Это жалоба: страница врёт про сроки"))
    post(client, answer(comment="Просто непонятно", key="x" * 22))
    case = FollowUp.objects.get()
    assert case.reason_codes == [["keywords", "жалоба"]]
    assert case.response.website_page.url == SITE + "/delivery/tracking"


@pytest.mark.parametrize(
    ("body", "raw", "status", "message"),
    [
        (None, "{not json", 400, None),
        (None, "[1, 2]", 400, "Ответ должен быть объектом JSON."),
        (None, '{"helped": NaN}', 400, None),
        ({"helped": "yes", "page": PAGE}, None, 400, "Выберите «Да» или «Нет»."),
        (answer(comment="я" * 301), None, 400, "Комментарий длиннее 300 символов, пожалуйста, сократите его."),
        (answer(comment=42), None, 400, "Комментарий должен быть текстом."),
        (answer(comment=["x"]), None, 400, None),  # nested: refused by the depth limit
        (answer(comment="a\x00b"), None, 400, None),
        (answer(page="javascript:alert(1)"), None, 400, "Адрес страницы не указан или не является веб-адресом."),
        (answer(page="https://evil.example/page"), None, 400, "Адрес страницы не на сайте, который показывает виджет."),
        (answer(key="../../etc"), None, 400, "Ключ ответа недействителен."),
        (answer(section={"a": 1}), None, 400, None),
    ],
)
def test_hostile_bodies_get_a_clear_4xx(client, widget, body, raw, status, message):
    response = post(client, body, raw=raw)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == SITE  # the widget can read why
    if message:
        assert response.json() == {"error": message}
    else:
        assert response.json()["error"]
    assert Response.objects.count() == 0


def test_a_huge_body_is_refused_before_it_is_read(client, widget):
    response = post(client, answer(comment="x" * 20_000))
    assert response.status_code == 413
    assert response.json() == {"error": "Ответ слишком большой, его нельзя отправить."}
    assert Response.objects.count() == 0


def test_unknown_draft_closed_and_questionless_surveys(client, widget):
    survey, _helped, _why = widget
    assert post(client, answer(), survey="nope").status_code == 404
    assert client.get("/w/nope/", HTTP_ORIGIN=SITE).json() == {
        "error": "There is no such survey for the website widget."
    }
    assert post(client, answer(), survey="x" * 5000).status_code == 404
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED, updated_at=timezone.now())
    closed = post(client, answer())
    assert closed.status_code == 410
    assert closed.json() == {"error": "Этот опрос закрыт и больше не принимает ответы."}
    assert closed["Access-Control-Allow-Origin"] == SITE
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.DRAFT, updated_at=timezone.now())
    assert post(client, answer()).status_code == 404
    bare = SurveyFactory(public_id="bare")
    QuestionFactory(survey=bare, type="nps")
    WidgetOrigin.objects.create(survey=bare, origin=SITE)
    assert post(client, answer(), survey="bare").status_code == 404
    anonymous = SurveyFactory(public_id="anon", anonymous=True)
    QuestionFactory(survey=anonymous, type=QT)
    WidgetOrigin.objects.create(survey=anonymous, origin=SITE)
    assert post(client, answer(), survey="anon").status_code == 404  # read only as groups: no per-page comments
    assert Response.objects.count() == 0


def test_the_rate_limit_per_address(client, widget, settings):
    settings.SURVEY_SUBMIT_LIMIT = 3
    codes = [post(client, answer(key=f"{n:022d}")).status_code for n in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = post(client, answer(key="z" * 22))
    assert refused.json() == {"error": "Слишком много ответов с вашего адреса. Попробуйте позже."}
    assert refused["Access-Control-Allow-Origin"] == SITE
    other = post(client, answer(key="y" * 22), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 201
    assert Response.objects.count() == 4
    cache.clear()


def test_methods_other_than_the_widget_uses_are_refused(client, widget):
    assert client.put("/w/help/answers/", "{}", HTTP_ORIGIN=SITE).status_code == 405
    assert client.get("/w/help/answers/", HTTP_ORIGIN=SITE).status_code == 405
    assert client.post("/w/help/", "{}", content_type="application/json", HTTP_ORIGIN=SITE).status_code == 405


def test_a_comment_hidden_by_display_logic_is_not_saved(client, widget):
    survey, helped, why = widget
    why.show_if_question, why.show_if_operator, why.show_if_value = helped, "eq", 0
    why.save()
    survey.save()  # touches updated_at: the cached definition is renewed
    config = client.get("/w/help/?lang=en", HTTP_ORIGIN=SITE).json()
    assert (config["why_yes"], config["why_no"]) == ("", "What was missing or unclear? (optional)")
    post(client, answer(helped=True, comment="great"))
    assert list(Response.objects.get().answers.values_list("question__code", flat=True)) == ["helped"]
