"""Discovered clusters: comments no theme mentions, grouped by the words they share, named by their top lemmas,
sized, with examples, rising this week against the weeks before, and the nearest theme to add their words to."""

import pytest

from surveys.models import Answer, Question, Theme
from surveys.services.responses import response_submit
from surveys.tasks import analyse_new_comments
from surveys.text.clusters import cluster_comments, content_lemmas
from surveys.text.lemmas import tokens
from tests.surveys.factories import QuestionFactory, SurveyFactory

PARKING = [
    "Парковка у магазина маленькая",
    "На парковке нет мест",
    "Парковка всегда забита машинами",
    "Маленькая парковка, мест нет",
    "Места на парковке заняты",
    "Парковка платная и маленькая",
]
BONUSES = [
    "Бонусы не начислили",
    "Куда пропали бонусы?",
    "Бонусы списали без спроса",
    "Бонусы сгорели, никто не предупредил",
    "Опять не начислили бонусы",
    "Бонусы начисляют через месяц",
]
MUSIC = [
    "Музыка в зале слишком громкая",
    "Громкая музыка мешает",
    "Выключите громкую музыку",
    "Музыка играет очень громкая",
    "Музыка орёт, громкая",
    "Громкая музыка в примерочной",
]
ALONE = ["Music is too loud"]  # shares no word with any other comment: in no group


def rows(texts: list[str], weeks_ago: int | list[int]) -> list[tuple[str, list[str], int]]:
    weeks = weeks_ago if isinstance(weeks_ago, list) else [weeks_ago] * len(texts)
    return [(text, content_lemmas(tokens(text)), week) for text, week in zip(texts, weeks, strict=True)]


@pytest.fixture
def found():
    comments = rows(PARKING, 0) + rows(BONUSES, [1, 1, 2, 3, 4, 0]) + rows(MUSIC, 2) + rows(ALONE, 0)
    themes = {"store_comfort": {"шум", "музыка", "душно"}, "price": {"цена", "скидка"}}
    return cluster_comments(comments, themes, min_size=4)


def test_comments_no_theme_mentions_fall_into_their_exact_groups(found):
    assert [(c.size, c.examples) for c in found] == [
        (6, ("Маленькая парковка, мест нет", "Парковка у магазина маленькая", "На парковке нет мест")),
        (6, ("Куда пропали бонусы?", "Бонусы списали без спроса", "Бонусы сгорели, никто не предупредил")),
        (6, ("Музыка в зале слишком громкая", "Громкая музыка мешает", "Выключите громкую музыку")),
    ]
    # Every example is one of its own group's comments; the comment sharing no word is in none.
    for cluster, texts in zip(found, (PARKING, BONUSES, MUSIC), strict=True):
        assert set(cluster.examples) <= set(texts)


def test_each_group_is_named_by_its_top_lemmas_and_offered_to_the_nearest_theme(found):
    assert [(c.label, c.markers, c.near_theme) for c in found] == [
        ("парковка · маленький · место", "парковка, маленький, место", ""),
        ("бонус · начислить", "бонус, начислить", ""),
        ("громкий · музыка", "громкий, музыка", "store_comfort"),  # the theme that has «музыка» already
    ]


def test_a_group_rising_this_week_comes_first(found):
    assert [(c.rising, c.this_week, c.weekly_before) for c in found] == [
        (True, 6, 0.0),  # parking: all six this week, none before
        (False, 1, 1.25),  # bonuses: spread over the last weeks
        (False, 0, 1.5),
    ]


def test_too_few_comments_or_nothing_in_common_make_no_groups():
    assert cluster_comments(rows(PARKING[:3], 0), {}, min_size=4) == []
    assert cluster_comments(rows(["Один", "Два", "Три", "Четыре", "Пять", "Шесть", "Семь", "Восемь"], 0), {},
                            min_size=4) == []  # fmt: skip


@pytest.fixture
def uncovered(org, settings, django_capture_on_commit_callbacks):
    """Twelve comments of a survey that no theme mentions (the only theme is about staff), analysed by the beat."""
    settings.RESULTS_MIN_SAMPLE = 1
    Theme.objects.create(code="staff", name_en="Staff", name_ru="Персонал", markers="продавец")
    survey = SurveyFactory(public_id="res", name="Store visit")
    nps = QuestionFactory(survey=survey, code="nps", type=Question.Type.NPS, order=1)
    why = QuestionFactory(survey=survey, code="why", type=Question.Type.LONG_TEXT, required=False, order=2)
    for text in PARKING + BONUSES:
        response_submit(survey=survey, questions=[nps, why], answers={nps.pk: 8, why.pk: text}, language="ru",
                        source="api")  # fmt: skip
    analyse_new_comments()
    return org


def test_a_cx_lead_sees_the_groups_and_one_click_makes_a_theme_that_tags_them(
    client, uncovered, django_capture_on_commit_callbacks
):
    people = uncovered["people"]
    client.force_login(people["north_manager"].user)
    assert "парковка · маленький · место" not in client.get("/results/res/themes/").content.decode()
    client.force_login(people["lead"].user)
    html = client.get("/results/res/themes/", headers={"accept-language": "en"}).content.decode()
    assert '<strong>парковка · маленький · место</strong> — 6 comments · <span class="tag">rising</span>' in html
    assert "<strong>бонус · начислить</strong> — 6 comments" in html
    assert '<input type="hidden" name="phrase" value="парковка, маленький, место">' in html
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/results/res/themes/accept/",
            {"phrase": "парковка, маленький, место", "code": "parking", "name": "Парковка"},
        )
    assert answer.status_code == 302
    theme = Theme.objects.get(code="parking")
    assert theme.marker_list() == ["парковка", "маленький", "место"]
    # Re-tagged in the background: every parking comment now mentions the new theme, and the group is gone.
    tagged = Answer.objects.filter(analysis__mentions__theme=theme).distinct()
    assert sorted(a.text for a in tagged) == sorted(PARKING)
    html = client.get("/results/res/themes/").content.decode()
    assert "парковка · маленький · место" not in html


def test_a_groups_words_are_added_to_an_existing_theme_once(client, uncovered, django_capture_on_commit_callbacks):
    staff = Theme.objects.get(code="staff")
    client.force_login(uncovered["people"]["lead"].user)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):  # a double click adds nothing twice
            client.post("/results/res/themes/accept/", {"phrase": "бонус, начислить", "theme": staff.pk})
    staff.refresh_from_db()
    assert staff.marker_list() == ["продавец", "бонус", "начислить"]
    assert Answer.objects.filter(analysis__mentions__theme=staff).count() == 6
