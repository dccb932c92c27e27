import factory

from surveys.models import Choice, Invitation, Question, Survey


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey

    name = factory.Sequence(lambda n: f"Survey {n}")
    kind = Survey.Kind.TRANSACTIONAL
    anonymous = factory.LazyAttribute(lambda survey: survey.kind == Survey.Kind.EMPLOYEE_PULSE)
    title_en = "Your visit"
    title_ru = "Ваш визит"
    status = Survey.Status.LIVE
    default_language = "en"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    survey = factory.SubFactory(SurveyFactory)
    code = factory.Sequence(lambda n: f"q{n}")
    order = factory.Sequence(lambda n: n)
    type = Question.Type.NPS
    text_en = factory.LazyAttribute(lambda q: f"Question {q.code}")
    text_ru = factory.LazyAttribute(lambda q: f"Вопрос {q.code}")


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Choice

    question = factory.SubFactory(QuestionFactory, type=Question.Type.SINGLE)
    text_en = factory.Sequence(lambda n: f"Choice {n}")
    text_ru = factory.Sequence(lambda n: f"Вариант {n}")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    survey = factory.SubFactory(SurveyFactory)
