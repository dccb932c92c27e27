"""Saving responses: one per invitation even under a race, scores the database refuses, survey actions."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from surveys.models import Answer, Question, Response, Survey
from surveys.services.responses import AlreadyResponded, response_submit
from surveys.services.surveys import survey_close, survey_duplicate, survey_publish
from tests.surveys.factories import ChoiceFactory, InvitationFactory, QuestionFactory, SurveyFactory

QT = Question.Type


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("qtype", "number"), [(QT.NPS, 11), (QT.NPS, -1), (QT.CSAT, 0), (QT.CSAT, 6), (QT.CES, 8), (QT.YES_NO, 2)]
)
def test_out_of_range_scores_cannot_be_stored_even_by_bulk_insert(qtype, number):
    question = QuestionFactory(type=qtype)
    response = Response.objects.create(
        survey=question.survey, language="en", source="api", submitted_at="2026-01-01T00:00Z"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.bulk_create([Answer(response=response, question=question, question_type=qtype, number=number)])


@pytest.mark.django_db
def test_choice_and_text_answers_need_their_value():
    question = QuestionFactory(type=QT.SINGLE)
    response = Response.objects.create(
        survey=question.survey, language="en", source="api", submitted_at="2026-01-01T00:00Z"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, question_type=QT.SINGLE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(response=response, question=question, question_type=QT.LONG_TEXT, text="")


@pytest.mark.django_db
def test_a_second_response_to_an_invitation_is_refused():
    invitation = InvitationFactory()
    nps = QuestionFactory(survey=invitation.survey)
    kwargs = {"survey": invitation.survey, "questions": [nps], "language": "en", "source": "invitation"}
    response_submit(answers={nps.pk: 9}, invitation=invitation, **kwargs)
    with pytest.raises(AlreadyResponded):
        response_submit(answers={nps.pk: 1}, invitation=invitation, **kwargs)
    assert list(Answer.objects.values_list("number", flat=True)) == [9]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_one_invitation_save_exactly_one_response():
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent transactions need PostgreSQL; SQLite serialises writers")
    invitation = InvitationFactory()
    nps = QuestionFactory(survey=invitation.survey)
    threads_count = 12
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []

    def submit_once(score: int) -> None:
        try:
            barrier.wait()
            response_submit(
                survey=invitation.survey, questions=[nps], answers={nps.pk: score}, language="en",
                source="invitation", invitation=invitation,
            )  # fmt: skip
            outcomes.append("saved")
        except AlreadyResponded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit_once, args=(n % 11,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * (threads_count - 1) + ["saved"]
    assert Response.objects.filter(invitation=invitation).count() == 1
    assert Answer.objects.count() == 1


@pytest.mark.django_db
def test_duplicate_copies_questions_choices_and_logic_as_a_draft():
    survey = SurveyFactory(name="Store visit", public_id="orig")
    nps = QuestionFactory(survey=survey, code="nps")
    improve = QuestionFactory(survey=survey, code="improve", type=QT.SINGLE, page=2)
    ChoiceFactory(question=improve, text_en="Queues")
    improve.show_if_question, improve.show_if_operator, improve.show_if_value = nps, "lte", 6
    improve.save()

    copy = survey_duplicate(survey=survey)

    assert (copy.name, copy.status) == ("Store visit (copy)", "draft")
    assert copy.public_id != "orig"
    copied = {q.code: q for q in copy.questions.all()}
    assert set(copied) == {"nps", "improve"}
    assert copied["improve"].show_if_question == copied["nps"]
    assert (copied["improve"].show_if_operator, copied["improve"].show_if_value) == ("lte", 6)
    assert [c.text_en for c in copied["improve"].choices.all()] == ["Queues"]
    assert survey.questions.count() == 2  # the original is untouched


@pytest.mark.django_db
def test_publish_and_close():
    survey = SurveyFactory(status="draft")
    assert survey_publish(survey=survey).status == Survey.Status.LIVE
    assert survey_close(survey=survey).status == Survey.Status.CLOSED
