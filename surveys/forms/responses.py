"""The hosted survey form: one page of questions, validated in the customer's language."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from surveys.display_logic import Answers, condition_met
from surveys.models import Question
from surveys.services.followups import CONTACT_ME_CODE

QT = Question.Type
PHONE = re.compile(r"\+?[\d\s().-]+")


def field_name(question: Question) -> str:
    return f"q{question.pk}"


class SurveyPageForm(forms.Form):
    """Validates the answers of one page; required questions are required only while shown."""

    website = forms.CharField(required=False)  # honeypot: hidden from people, filled by bots

    def __init__(
        self,
        *args,
        questions: list[Question],
        earlier: Answers,
        language: str,
        ask_contact: bool = False,
        fields: dict[str, forms.Field] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.earlier = earlier
        self.language = language
        # `fields`: the page's fields made once (page_fields) and shared; validating never changes a field.
        self.fields.update(fields if fields is not None else page_fields(questions, language))
        # A customer nobody knows (a public link) who asks to be contacted is asked how.
        self.contact_question = None
        if ask_contact:
            self.contact_question = next((q for q in questions if is_contact_me(q)), None)
        if self.contact_question is not None:
            self.fields["contact"] = forms.CharField(max_length=200, required=False, strip=True)

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
            if question.type == QT.MULTIPLE and len(set(value)) != len(value):
                self.add_error(name, _("Each option can be chosen only once."))
                continue
            answers[question.pk] = value
        if self.contact_question is not None and "contact" not in self.errors:
            self._clean_contact(cleaned, answers.get(self.contact_question.pk) == 1)
        return cleaned

    def _clean_contact(self, cleaned: dict, wanted: bool) -> None:
        contact = cleaned.get("contact", "")
        if not wanted:
            cleaned["contact"] = ""
        elif not contact:
            self.add_error("contact", _("Tell us how to reach you: a phone number or an e-mail address."))
        elif "@" in contact:
            try:
                validate_email(contact)
            except ValidationError:
                self.add_error("contact", _("Enter a valid e-mail address, e.g. name@example.com."))
        elif not PHONE.fullmatch(contact) or not 6 <= sum(c.isdigit() for c in contact) <= 15:
            self.add_error("contact", _("Enter a phone number (6 to 15 digits) or an e-mail address."))

    def contact(self) -> str:
        """How the customer wants to be contacted, when asked and wanted; else ""."""
        return self.cleaned_data.get("contact", "") if self.contact_question is not None else ""

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


def page_fields(questions: list[Question], language: str) -> dict[str, forms.Field]:
    """The form fields of a page's questions, choices labelled in `language`."""
    return {field_name(question): _field_for(question, language) for question in questions}


def _field_for(question: Question, language: str) -> forms.Field:
    if question.scale is not None:
        low, high = question.scale
        return forms.TypedChoiceField(
            choices=[(n, n) for n in range(low, high + 1)], coerce=int, required=False, empty_value=None
        )
    if question.type in Question.CHOICE_TYPES:
        choices = [(c.pk, c.localized("text", language)) for c in question.choices.all()]
        field_class = forms.TypedMultipleChoiceField if question.type == QT.MULTIPLE else forms.TypedChoiceField
        return field_class(choices=choices, coerce=int, required=False, empty_value=None)
    return forms.CharField(max_length=question.text_limit, required=False, strip=True)


def is_contact_me(question: Question) -> bool:
    """The yes/no question "may we contact you?" that opens a case when answered yes."""
    return question.type == QT.YES_NO and question.code == CONTACT_ME_CODE
