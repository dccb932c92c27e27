"""The hosted survey form: one page of questions, validated in the customer's language."""

from django import forms
from django.utils.translation import gettext_lazy as _

from surveys.display_logic import Answers, condition_met
from surveys.models import Question

QT = Question.Type


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class SurveyPageForm(forms.Form):
    """Validates the answers of one page; required questions are required only while shown."""

    website = forms.CharField(required=False)  # honeypot: hidden from people, filled by bots

    def __init__(self, *args, questions: list[Question], earlier: Answers, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.earlier = earlier
        self.language = language
        for question in questions:
            self.fields[field_name(question)] = self._field_for(question)

    def _field_for(self, question: Question) -> forms.Field:
        if question.scale is not None:
            low, high = question.scale
            return forms.TypedChoiceField(
                choices=[(n, n) for n in range(low, high + 1)], coerce=int, required=False, empty_value=None
            )
        if question.type in Question.CHOICE_TYPES:
            choices = [(c.pk, c.localized("text", self.language)) for c in question.choices.all()]
            field_class = forms.TypedMultipleChoiceField if question.type == QT.MULTIPLE else forms.TypedChoiceField
            return field_class(choices=choices, coerce=int, required=False, empty_value=None)
        return forms.CharField(max_length=question.text_limit, required=False, strip=True)

    def clean(self):
        cleaned = super().clean()
        answers = dict(self.earlier)
        for question in self.questions:
            name = field_name(question)
            value = cleaned.get(name)
            if name in self.errors:
                continue
            if not condition_met(question, answers):
                cleaned[name] = None
                continue
            if value in (None, "", []):
                if question.required:
                    self.add_error(name, _("Please answer this question."))
                continue
            answers[question.pk] = value
        return cleaned

    def answers(self) -> Answers:
        """The page's answers by question id, without blanks and hidden questions."""
        result = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if value not in (None, "", []):
                result[question.pk] = value
        return result

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))
