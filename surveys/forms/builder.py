"""The survey builder's forms: the survey's own fields with a readable public id, and its questions in order with
pages, both languages and display logic that names an earlier question by its code (so it works before saving)."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from surveys.models import Question, Survey

QT = Question.Type
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,30})[a-z0-9]$")
RESERVED_IDS = {"i"}  # /s/i/<token>/ is the personal invitation
NUMERIC_SOURCES = Question.SCALE_TYPES | {QT.YES_NO}


class SurveyBuildForm(forms.Form):
    name = forms.CharField(label=_("Internal name"), max_length=200)
    public_id = forms.CharField(
        label=_("Public id"), max_length=32, min_length=3,
        help_text=_("The survey's link: /s/<id>/. Lower-case letters, digits and hyphens."),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind"), choices=Survey.Kind.choices)
    default_language = forms.ChoiceField(
        label=_("Default language"), choices=Survey._meta.get_field("default_language").choices
    )
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    title_ru = forms.CharField(label=_("Title (Russian)"), max_length=200, required=False)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    intro_ru = forms.CharField(
        label=_("Introduction (Russian)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, survey: Survey | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey

    def clean_public_id(self) -> str:
        value = self.cleaned_data["public_id"].strip().lower()
        if not SLUG.match(value) or "--" in value:
            raise ValidationError(_("Use 3–32 lower-case letters, digits and single hyphens, e.g. store-visit."))
        taken = Survey.objects.filter(public_id=value).exclude(pk=getattr(self.survey, "pk", None)).exists()
        if taken or value in RESERVED_IDS:
            raise ValidationError(_("“%(id)s” is taken; choose another public id.") % {"id": value})
        return value

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("title_ru") or cleaned.get("title_en")):
            self.add_error("title_ru", _("Give the survey a title in at least one language."))
        if cleaned.get("kind") == Survey.Kind.EMPLOYEE_PULSE and not cleaned.get("anonymous"):
            self.add_error("anonymous", _("An employee pulse is always anonymous."))
        survey = self.survey
        changed = survey is not None and survey.pk and cleaned.get("anonymous") != survey.anonymous
        if changed and survey.responses.exists():  # a promise made to the people who answered
            self.add_error(
                "anonymous",
                _("This survey has answers already: whether it is anonymous cannot change. Duplicate it instead."),
            )
        return cleaned


class QuestionBuildForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50)
    type = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *QT.choices])
    page = forms.IntegerField(label=_("Page"), min_value=1, max_value=30)
    required = forms.BooleanField(label=_("Required"), required=False)
    text_ru = forms.CharField(label=_("Question (Russian)"), max_length=500, required=False)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    scale_min = forms.IntegerField(label=_("Scale from"), min_value=0, max_value=10, required=False)
    scale_max = forms.IntegerField(label=_("Scale to"), min_value=0, max_value=10, required=False)
    choices_ru = forms.CharField(
        label=_("Choices (Russian), one a line"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    choices_en = forms.CharField(
        label=_("Choices (English), one a line"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    show_if = forms.CharField(label=_("Show only if the answer to"), required=False, max_length=50, widget=forms.Select)
    show_if_operator = forms.ChoiceField(label=_("is"), required=False, choices=[("", "—"), *Question.Operator.choices])
    show_if_value = forms.IntegerField(label=_("Value"), required=False, min_value=0, max_value=10)
    show_if_choice = forms.IntegerField(label=_("Choice number"), required=False, min_value=1, max_value=50)

    def choice_lines(self, language: str) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get(f"choices_{language}", "").splitlines() if line.strip()]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("type")
        if not (cleaned.get("text_ru") or cleaned.get("text_en")):
            self.add_error("text_ru", _("Write the question in at least one language."))
        if kind == QT.RATING:
            low, high = cleaned.get("scale_min"), cleaned.get("scale_max")
            if low is None or high is None or not low < high:
                self.add_error("scale_max", _("A rating scale runs from 0 or more to at most 10, low end first."))
        if kind in Question.CHOICE_TYPES:
            ru, en = self.choice_lines("ru"), self.choice_lines("en")
            if max(len(ru), len(en)) < 2:
                self.add_error("choices_ru", _("Give at least two choices."))
            elif ru and en and len(ru) != len(en):
                self.add_error("choices_en", _("Give as many English choices as Russian ones, in the same order."))
        return cleaned


class BaseQuestionFormSet(forms.BaseFormSet):
    """Questions in page order (then their order number); codes unique; every condition on an earlier question,
    with an operator that fits it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        codes = [("", _("— always show —"))]
        for form in self.forms:
            code = (form["code"].value() or "").strip()
            if code:
                text = form["text_ru"].value() or form["text_en"].value() or ""
                codes.append((code, f"{code} · {text}"[:80]))
        for form in self.forms:
            form.fields["show_if"].widget.choices = codes

    def questions_in_order(self) -> list[dict]:
        """The cleaned questions in page order, after a valid clean()."""
        return [
            {**form.cleaned_data, "choices": list(zip(form.choice_lines("ru"), form.choice_lines("en"), strict=False))
             if form.choice_lines("ru") and form.choice_lines("en")
             else [(line, "") for line in form.choice_lines("ru")] or [("", line) for line in form.choice_lines("en")]}
            for form in self.in_order
        ]  # fmt: skip

    def clean(self):
        if any(self.errors):
            self.in_order = []
            return
        forms_ = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        forms_.sort(key=lambda f: (f.cleaned_data["page"], f.cleaned_data.get("ORDER") or 0))
        self.in_order = forms_
        if not forms_:
            raise ValidationError(_("Add at least one question."))
        seen: dict[str, QuestionBuildForm] = {}
        for form in forms_:
            data = form.cleaned_data
            if data["code"] in seen:
                form.add_error("code", _("Another question already has this code."))
            source_code = data.get("show_if")
            if source_code:
                self._check_condition(form, seen.get(source_code), source_code)
            seen[data["code"]] = form

    @staticmethod
    def _check_condition(form: QuestionBuildForm, source: QuestionBuildForm | None, code: str) -> None:
        data = form.cleaned_data
        if source is None:
            form.add_error(
                "show_if",
                _("The condition must use an earlier question (%(code)s is not before this one).") % {"code": code},
            )
            return
        operator, kind = data.get("show_if_operator"), source.cleaned_data["type"]
        if not operator:
            form.add_error("show_if_operator", _("Choose how the earlier answer is compared."))
        elif operator == Question.Operator.CHOSE:
            count = max(len(source.choice_lines("ru")), len(source.choice_lines("en")))
            if kind not in Question.CHOICE_TYPES:
                form.add_error("show_if_operator", _("“includes the choice” works only with choice questions."))
            elif not data.get("show_if_choice") or data["show_if_choice"] > count:
                form.add_error(
                    "show_if_choice", _("Give the number of one of that question's choices (1–%(n)d).") % {"n": count}
                )
        elif kind not in NUMERIC_SOURCES:
            form.add_error("show_if_operator", _("Compare numbers only for scale and yes/no questions."))
        elif data.get("show_if_value") is None:
            form.add_error("show_if_value", _("Enter the number to compare with."))


QuestionFormSet = formset_factory(
    QuestionBuildForm, formset=BaseQuestionFormSet, extra=0, can_order=True, can_delete=True, max_num=100,
    validate_max=True,
)  # fmt: skip
