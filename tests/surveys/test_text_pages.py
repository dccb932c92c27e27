"""Text analytics on the pages: the themes page and who sees it, adding discovered phrases, theme and sentiment
filters and chips on the comments, personal data masked (pages and exports) for everyone but CX leads, the
suggested root cause on a case, and the admin's taxonomy, models and jobs."""

import csv
import io

import pytest

from surveys.links import ResponseContext
from surveys.models import FollowUp, Question, TextJob, Theme
from surveys.services.responses import response_submit
from surveys.services.text import taxonomy_seed_retail
from surveys.tasks import analyse_new_comments
from tests.surveys.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db
QT = Question.Type
PHONE_COMMENT = "Курьер опоздал, перезвоните +7 916 123-45-67"


@pytest.fixture
def texts(org, settings, django_capture_on_commit_callbacks):
    settings.RESULTS_MIN_SAMPLE = 1
    taxonomy_seed_retail()
    survey = SurveyFactory(public_id="res", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="comment", type=QT.LONG_TEXT, required=False, order=2)
    north = org["units"]["north_store"]
    with django_capture_on_commit_callbacks(execute=True):
        for score, text in [(2, PHONE_COMMENT), (10, "Продавцы очень вежливые"), (9, "Всё отлично")]:
            response_submit(
                survey=survey, questions=[nps, comment], answers={nps.pk: score, comment.pk: text}, language="ru",
                source="api", context=ResponseContext(unit=north, employee=org["people"]["alice"]),
            )  # fmt: skip
    analyse_new_comments()  # the beat's next run
    return survey, org


def get(client, user, url, **data):
    client.force_login(user)
    return client.get(url, data, headers={"accept-language": "en"})


@pytest.mark.parametrize(("who", "status"), [("lead", 200), ("north_manager", 200), ("alice", 404)])
def test_themes_page_is_for_leads_and_managers(client, texts, who, status):
    _survey, org = texts
    response = get(client, org["people"][who].user, "/results/res/themes/")
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert "What drives detractors" in html
        assert ">Delivery</a>" in html and ">Staff</a>" in html


def test_discovered_phrases_are_offered_to_cx_leads_only(client, texts, django_capture_on_commit_callbacks):
    survey, org = texts
    nps, comment = survey.questions.get(code="nps"), survey.questions.get(code="comment")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            response_submit(
                survey=survey, questions=[nps, comment], answers={nps.pk: 5, comment.pk: "Бахилы на входе надоели"},
                language="ru", source="api", context=ResponseContext(unit=org["units"]["north_store"]),
            )  # fmt: skip
    lead_html = get(client, org["people"]["lead"].user, "/results/res/themes/").content.decode()
    assert "Discovered: what no theme covers yet" in lead_html
    assert '<strong>Бахилы на входе</strong> — 5 comments · <span class="tag">rising</span>' in lead_html
    manager_html = get(client, org["people"]["north_manager"].user, "/results/res/themes/").content.decode()
    assert "Discovered" not in manager_html and "/themes/accept/" not in manager_html


def test_a_manager_sees_only_their_units_on_the_themes_page(client, texts):
    _survey, org = texts
    html = get(client, org["people"]["south_manager"].user, "/results/res/themes/").content.decode()
    assert "No themes found in this slice" in html


def test_themes_page_refuses_a_bad_slice_with_a_400(client, texts):
    _survey, org = texts
    assert get(client, org["people"]["lead"].user, "/results/res/themes/", date_from="2026-99-01").status_code == 400


def test_lead_adds_a_discovered_phrase_to_a_theme(client, texts, django_capture_on_commit_callbacks):
    _survey, org = texts
    client.force_login(org["people"]["lead"].user)
    store = Theme.objects.get(code="store_comfort")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/results/res/themes/accept/", {"phrase": "всё отлично", "theme": store.pk})
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.marker_list()[-1] == "всё отлично"
    assert TextJob.objects.get(kind="retag").status == "done"


def test_lead_makes_a_new_theme_and_bad_input_changes_nothing(client, texts, django_capture_on_commit_callbacks):
    _survey, org = texts
    client.force_login(org["people"]["lead"].user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/results/res/themes/accept/", {"phrase": "бахилы", "code": "shoe-covers", "name": "Бахилы"})
    assert Theme.objects.get(code="shoe-covers").markers == "бахилы"
    before = Theme.objects.count()
    response = client.post("/results/res/themes/accept/", {"phrase": "x", "code": "", "name": ""}, follow=True)
    assert "Choose a theme, or give the new theme a code and a name." in response.content.decode()
    response = client.post("/results/res/themes/accept/", {"phrase": "x", "code": "staff", "name": "Dup"}, follow=True)
    assert "A theme with this code exists already." in response.content.decode()
    assert Theme.objects.count() == before


def test_a_manager_cannot_change_the_taxonomy(client, texts):
    _survey, org = texts
    client.force_login(org["people"]["north_manager"].user)
    before = Theme.objects.get(code="store").markers
    assert client.post("/results/res/themes/accept/", {"phrase": "x", "theme": 1}).status_code == 404
    assert Theme.objects.get(code="store").markers == before


def test_comments_filter_by_theme_and_sentiment(client, texts):
    _survey, org = texts
    lead = org["people"]["lead"].user
    html = get(client, lead, "/results/res/", theme="staff").content.decode()
    assert "Продавцы очень вежливые" in html and "Всё отлично" not in html and "Курьер" not in html
    html = get(client, lead, "/results/res/", sentiment="positive").content.decode()
    assert "Продавцы очень вежливые" in html and "Всё отлично" in html and "Курьер" not in html
    html = get(client, lead, "/results/res/", theme="staff", sentiment="negative").content.decode()
    assert "No comments in this slice." in html


def test_comments_show_their_sentiment_and_themes(client, texts):
    _survey, org = texts
    html = get(client, org["people"]["lead"].user, "/results/res/", theme="delivery").content.decode()
    assert '<span class="sentiment sentiment-negative">Negative</span>' in html
    assert '<span class="theme-chip sentiment-negative" title="Negative">Couriers</span>' in html


def test_personal_data_in_comments_is_masked_except_for_cx_leads(client, texts):
    _survey, org = texts
    lead_html = get(client, org["people"]["lead"].user, "/results/res/").content.decode()
    manager_html = get(client, org["people"]["north_manager"].user, "/results/res/").content.decode()
    assert "+7 916 123-45-67" in lead_html
    assert "+7 916 123-45-67" not in manager_html
    assert "перезвоните •••67" in manager_html


def export(client, user, url, **data) -> str:
    client.force_login(user)
    response = client.get(url, data)
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_exports_mask_personal_data_unless_a_cx_lead_asks(client, texts):
    _survey, org = texts
    lead, manager = org["people"]["lead"].user, org["people"]["north_manager"].user
    assert "перезвоните •••67" in export(client, lead, "/results/res/export.csv")
    assert PHONE_COMMENT in export(client, lead, "/results/res/export.csv", personal_data="1")
    # A manager asking gets the masked file all the same.
    manager_csv = export(client, manager, "/results/res/export.csv", personal_data="1")
    assert "+7 916" not in manager_csv
    rows = list(csv.reader(io.StringIO(manager_csv)))
    assert rows[0][-2:] == ["nps", "comment"]


def test_case_page_suggests_a_root_cause_and_masks_the_comment(client, texts):
    _survey, org = texts
    case = FollowUp.objects.get()
    client.force_login(org["people"]["north_manager"].user)
    html = client.get(f"/followups/{case.pk}/", headers={"accept-language": "en"}).content.decode()
    assert "<strong>Suggested root cause:</strong> Delivery and assembly" in html
    assert 'value="delivery" selected' in html  # the resolve form starts from the suggestion
    assert "перезвоните •••67" in html and "123-45-67" not in html


def test_admin_theme_edit_retags_and_jobs_start_from_the_admin(client, texts, django_capture_on_commit_callbacks):
    _survey, org = texts
    lead = org["people"]["lead"]
    lead.user.is_staff = True
    lead.user.is_superuser = True
    lead.user.save()
    client.force_login(lead.user)
    theme = Theme.objects.get(code="store_parking")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/surveys/theme/{theme.pk}/change/",
            {"code": "store_parking", "parent": theme.parent_id, "name_ru": "Парковка", "name_en": "Parking",
             "markers": "парковка, перезвонить", "root_cause": "store", "active": "on"},
        )  # fmt: skip
    assert response.status_code == 302
    assert TextJob.objects.get(kind="retag").status == "done"
    assert Theme.objects.get(code="store_parking").mentions.count() == 1  # «перезвоните» now marks parking
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/surveys/textjob/start/backfill/")
    assert TextJob.objects.filter(kind="backfill", status="done").count() == 1
    page = client.get("/admin/surveys/textjob/").content.decode()
    assert '<progress max="100" value="100">' in page


def test_admin_refuses_a_theme_below_itself(client, texts):
    _survey, org = texts
    org["people"]["lead"].user.is_superuser = True
    org["people"]["lead"].user.is_staff = True
    org["people"]["lead"].user.save()
    client.force_login(org["people"]["lead"].user)
    staff = Theme.objects.get(code="staff")
    child = Theme.objects.get(code="staff_politeness")
    response = client.post(
        f"/admin/surveys/theme/{staff.pk}/change/",
        {"code": "staff", "parent": child.pk, "name_ru": "П", "name_en": "S", "markers": "персонал", "active": "on"},
    )
    assert response.status_code == 200
    assert "A theme cannot sit below itself." in response.content.decode()
    assert Theme.objects.get(code="staff").parent_id is None


def test_case_desk_filters_by_theme_and_masks_the_snippet(client, texts):
    _survey, org = texts
    manager = org["people"]["north_manager"].user
    html = get(client, manager, "/followups/", theme="delivery").content.decode()
    case = FollowUp.objects.get()
    assert f'href="/followups/{case.pk}/"' in html
    assert "перезвоните •••67" in html and "123-45-67" not in html
    html = get(client, manager, "/followups/", theme="staff").content.decode()
    assert f'href="/followups/{case.pk}/"' not in html
    assert get(client, manager, "/followups/", sentiment="furious").status_code == 400


def test_themes_page_reads_right_in_russian(client, texts):
    _survey, org = texts
    client.force_login(org["people"]["lead"].user)
    html = client.get("/results/res/themes/", headers={"accept-language": "ru"}).content.decode()
    assert "Что делает клиентов критиками" in html
    assert ">Доставка</a>" in html and ">Персонал</a>" in html
    assert "Негативных упоминаний" in html


@pytest.mark.parametrize(
    "data",
    [
        {"phrase": "x" * 101, "theme": "1"},
        {"phrase": "nul\x00", "theme": "1"},
        {"phrase": "ok", "theme": "99999"},
        {"phrase": "ok", "code": "не slug!", "name": "N"},
        {"phrase": "ok", "code": "c" * 51, "name": "N"},
        {},
    ],
)
def test_hostile_values_on_the_discovered_form_change_nothing(client, texts, data):
    _survey, org = texts
    client.force_login(org["people"]["lead"].user)
    before = list(Theme.objects.order_by("pk").values_list("code", "markers"))
    response = client.post("/results/res/themes/accept/", data, follow=True, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode() or "message-error" in response.content.decode()
    assert list(Theme.objects.order_by("pk").values_list("code", "markers")) == before


@pytest.mark.parametrize("who", ["lead", "north_manager"])
def test_an_anonymous_survey_has_no_themes_page_to_subtract_from(client, org, who):
    """Theme counts over free dates and units could isolate one employee's comment: the page is not offered."""
    taxonomy_seed_retail()
    pulse = SurveyFactory(public_id="pulse", anonymous=True, kind="employee_pulse")
    comment = QuestionFactory(survey=pulse, code="comment", type=QT.LONG_TEXT, required=False)
    response_submit(survey=pulse, questions=[comment], answers={comment.pk: "Курьер опоздал"}, language="ru",
                    source="link", context=ResponseContext(unit=org["units"]["north_store"]))  # fmt: skip
    client.force_login(org["people"][who].user)
    response = client.get("/results/pulse/themes/?date_from=2026-01-01", headers={"accept-language": "en"}, follow=True)
    assert response.redirect_chain == [("/results/pulse/", 302)]
    html = response.content.decode()
    assert "Themes are not shown for anonymous surveys" in html
    assert "What drives detractors" not in html and "Курьер" not in html
