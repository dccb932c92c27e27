"""Text analytics in the database: analysis queued on submit, backfill and re-tag passes with progress,
the sentiment model trained on the program's scored comments, and the impact figures of a themes report."""

import pytest
from django.utils import timezone

from surveys.models import Answer, CommentAnalysis, Question, Response, SentimentClassifier, TextJob, Theme
from surveys.selectors.themes import suggested_root_cause, with_theme
from surveys.services.responses import response_submit
from surveys.services.text import (
    comments_store,
    sentiment_model_train,
    taxonomy_changed,
    taxonomy_seed_retail,
    text_job_run,
    theme_add_marker,
)
from tests.surveys.factories import QuestionFactory, SurveyFactory
from tests.surveys.labelled import labelled_comments

QT = Question.Type


@pytest.fixture
def retail(db):
    taxonomy_seed_retail()


@pytest.fixture
def survey(db):
    survey = SurveyFactory(public_id="visit")
    nps = QuestionFactory(survey=survey, code="nps", type=QT.NPS, order=1)
    comment = QuestionFactory(survey=survey, code="why", type=QT.LONG_TEXT, required=False, order=2)
    return survey, nps, comment


def add_response(survey, nps_q, comment_q, score: int | None, text: str = "", **context) -> Response:
    """A response written in bulk, as the demo and imports write them (no analysis queued)."""
    response = Response.objects.create(
        survey=survey, language="ru", source="api", submitted_at=context.pop("at", timezone.now()), **context
    )
    rows = []
    if score is not None:
        rows.append(Answer(response=response, question=nps_q, question_type=QT.NPS, number=score))
    if text:
        rows.append(Answer(response=response, question=comment_q, question_type=QT.LONG_TEXT, text=text))
    Answer.objects.bulk_create(rows)
    return response


def test_a_submitted_comment_is_analysed_after_the_commit(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = response_submit(
            survey=survey,
            questions=[nps, comment],
            answers={nps.pk: 3, comment.pk: "Курьеры опаздывают, а продавцы не очень вежливые"},
            language="ru",
            source="public_link",
        )
        # Nothing is analysed inside the request's transaction.
        assert not CommentAnalysis.objects.exists()
    for callback in callbacks:
        callback()
    analysis = CommentAnalysis.objects.get(response=response)
    assert analysis.sentiment == "negative"
    assert analysis.language == "ru"
    mentions = {m.theme.code: m.sentiment for m in analysis.mentions.select_related("theme")}
    assert mentions == {"delivery_couriers": "negative", "delivery_time": "negative", "staff": "negative",
                        "staff_politeness": "negative"}  # fmt: skip


def test_no_comment_queues_nothing(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    with django_capture_on_commit_callbacks() as callbacks:
        response_submit(survey=survey, questions=[nps, comment], answers={nps.pk: 9}, language="ru", source="api")
    assert [c for c in callbacks if "analysis" in getattr(c, "__qualname__", "")] == []
    assert not CommentAnalysis.objects.exists()


def test_backfill_analyses_what_is_missing_and_reports_progress(retail, survey):
    survey, nps, comment = survey
    for text in ["Доставка вовремя", "The queue was awful", "Всё отлично", "Chairs arrived broken", "ok"]:
        add_response(survey, nps, comment, 8, text)
    add_response(survey, nps, comment, 10)  # no comment: nothing to analyse
    job = TextJob.objects.create(kind=TextJob.Kind.BACKFILL)
    job = text_job_run(job_id=job.pk, batch=2)
    assert (job.status, job.total, job.done, job.progress) == ("done", 5, 5, 100)
    assert CommentAnalysis.objects.count() == 5
    # Run again: a finished job is not run twice, and a new backfill finds nothing left.
    assert text_job_run(job_id=job.pk).done == 5
    second = text_job_run(job_id=TextJob.objects.create(kind=TextJob.Kind.BACKFILL).pk)
    assert (second.total, second.done) == (0, 0)


def test_taxonomy_change_retags_every_comment(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    response = add_response(survey, nps, comment, 4, "В зале пахнет краской, голова болит")
    answer = response.answers.get(question=comment)
    comments_store([(answer.pk, response.pk, answer.text)], replace=False)
    assert not with_theme(Response.objects.all(), theme="store_comfort").exists()
    with django_capture_on_commit_callbacks(execute=True):
        theme_add_marker(theme=Theme.objects.get(code="store_comfort"), phrase="пахнуть краской")
    assert TextJob.objects.get().status == "done"
    assert list(with_theme(Response.objects.all(), theme="store_comfort")) == [response]
    assert list(with_theme(Response.objects.all(), theme="store", sentiment="negative")) == [response]


def test_ten_quick_edits_make_one_retag(retail, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        jobs = {taxonomy_changed().pk for _ in range(10)}
    assert len(jobs) == 1


def band(score: int) -> str:
    return "negative" if score <= 6 else "neutral" if score <= 8 else "positive"


def test_model_is_trained_on_scored_comments_and_used(retail, survey, django_capture_on_commit_callbacks):
    survey, nps, comment = survey
    rows = labelled_comments()
    for row in rows:
        add_response(survey, nps, comment, row.score, row.text)
    with django_capture_on_commit_callbacks(execute=True):
        classifier = sentiment_model_train()
    assert classifier.active is True
    assert classifier.n_train + classifier.n_test == len(rows)
    assert classifier.label_counts == {
        s: sum(band(r.score) == s for r in rows) for s in ("negative", "neutral", "positive")
    }
    assert classifier.accuracy >= 0.7
    # Training queued a re-analysis with the new model: every comment now has the model's verdict.
    assert CommentAnalysis.objects.count() == len(rows)
    agree = sum(
        CommentAnalysis.objects.get(answer__text=row.text, answer__question=comment).sentiment == band(row.score)
        for row in rows[:60]
    )
    assert agree >= 45  # the model fits its own training labels well
    with django_capture_on_commit_callbacks(execute=True):
        second = sentiment_model_train()
    assert list(SentimentClassifier.objects.filter(active=True)) == [second]


def test_too_few_scored_comments_keep_the_lexicon(retail, survey):
    survey, nps, comment = survey
    add_response(survey, nps, comment, 2, "Плохо")
    assert sentiment_model_train() is None
    assert not SentimentClassifier.objects.exists()


def test_suggested_root_cause_comes_from_the_negative_theme(retail, survey):
    survey, nps, comment = survey
    response = add_response(survey, nps, comment, 2, "Продавец был вежлив, но доставку сорвали дважды")
    answer = response.answers.get(question=comment)
    comments_store([(answer.pk, response.pk, answer.text)], replace=False)
    cause, themes = suggested_root_cause(response)
    assert cause == "delivery"
    assert [t.code for t in themes] == ["delivery_time"] or {t.code for t in themes} >= {"delivery"}
