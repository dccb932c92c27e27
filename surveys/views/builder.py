"""The survey builder, in the admin for CX leads: the whole survey on one page — its questions in order on pages,
both languages side by side, display logic chosen from earlier questions, a live preview — started from a template,
a copy of another survey or blank, and saved in one go. Works without JavaScript; builder.js makes it quicker."""

import itertools

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cxprogram.selectors import request_scope
from surveys.forms.builder import QuestionFormSet, SurveyBuildForm
from surveys.models import Question, Survey
from surveys.services.builder import survey_build
from surveys.survey_templates import TEMPLATES

PREFIX = "q"


def _free_public_id(base: str) -> str:
    """`base`, or `base-2`, `base-3`... whichever no survey uses yet."""
    taken = set(Survey.objects.filter(public_id__startswith=base).values_list("public_id", flat=True))
    return next(c for c in itertools.chain([base], (f"{base}-{n}" for n in itertools.count(2))) if c not in taken)


def _from_template(key: str) -> tuple[dict, list[dict]]:
    template = TEMPLATES[key]
    survey = {"name": str(template["label"]), "public_id": _free_public_id(key), "default_language": "ru",
              **template["survey"]}  # fmt: skip
    questions = []
    for number, q in enumerate(template["questions"], start=1):
        row = {k: v for k, v in q.items() if k not in ("show_if", "choices")} | {"ORDER": number}
        row.setdefault("required", True)
        if "choices" in q:
            row["choices_en"] = "\n".join(en for en, _ru in q["choices"])
            row["choices_ru"] = "\n".join(ru for _en, ru in q["choices"])
        if "show_if" in q:
            row["show_if"], row["show_if_operator"], row["show_if_value"] = q["show_if"]
        questions.append(row)
    return survey, questions


def _from_survey(survey: Survey, *, copy: bool) -> tuple[dict, list[dict]]:
    fields = {name: getattr(survey, name) for name in ("name", "public_id", "kind", "default_language", "anonymous",
                                                        "title_ru", "title_en", "intro_ru", "intro_en")}  # fmt: skip
    if copy:
        fields["name"] = _("%(name)s (copy)") % {"name": survey.name}
        fields["public_id"] = _free_public_id(f"{survey.public_id[:24].lower()}-copy")
    questions = []
    loaded = list(survey.questions.order_by("page", "order", "id").prefetch_related("choices"))
    choice_ids = {q.pk: [c.pk for c in q.choices.all()] for q in loaded}
    codes = {q.pk: q.code for q in loaded}
    for number, q in enumerate(loaded, start=1):
        choices = list(q.choices.all())
        row = {name: getattr(q, name) for name in ("code", "type", "page", "required", "text_ru", "text_en",
                                                    "scale_min", "scale_max")} | {"ORDER": number}  # fmt: skip
        row["choices_ru"] = "\n".join(c.text_ru for c in choices)
        row["choices_en"] = "\n".join(c.text_en for c in choices)
        if q.show_if_question_id in codes:
            row["show_if"], row["show_if_operator"] = codes[q.show_if_question_id], q.show_if_operator
            row["show_if_value"] = q.show_if_value
            if q.show_if_choice_id in choice_ids[q.show_if_question_id]:
                row["show_if_choice"] = choice_ids[q.show_if_question_id].index(q.show_if_choice_id) + 1
        questions.append(row)
    return fields, questions


def survey_builder(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """GET: the builder from ?template=, ?from=<survey> or the survey being edited; POST: save it all, or show every
    problem at its field."""
    if not request_scope(request).is_lead or not request.user.has_perm("surveys.change_survey"):
        raise Http404
    survey = get_object_or_404(Survey, pk=pk) if pk else None
    answered = survey is not None and survey.responses.exists()
    if request.method == "POST" and not answered:
        form = SurveyBuildForm(request.POST, survey=survey)
        questions = QuestionFormSet(request.POST, prefix=PREFIX)
        if form.is_valid() and questions.is_valid():
            try:
                saved = survey_build(survey=survey, fields=form.cleaned_data, questions=questions.questions_in_order())
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("The survey “%(name)s” is saved as a draft.") % {"name": saved.name}
                                 if saved.status == Survey.Status.DRAFT else _("The survey is saved."))  # fmt: skip
                return redirect("survey-builder-edit", pk=saved.pk)
        status = 400
    else:
        key, source = request.GET.get("template", ""), request.GET.get("from", "")
        if survey is not None:
            fields, rows = _from_survey(survey, copy=False)
        elif key in TEMPLATES:
            fields, rows = _from_template(key)
        elif source.isdecimal() and len(source) < 10:
            fields, rows = _from_survey(get_object_or_404(Survey, pk=int(source)), copy=True)
        else:
            fields = {
                "public_id": _free_public_id("survey"),
                "default_language": "ru",
                "kind": Survey.Kind.TRANSACTIONAL,
            }
            rows = [{"code": "nps", "type": Question.Type.NPS, "page": 1, "required": True, "ORDER": 1}]
        form = SurveyBuildForm(initial=fields, survey=survey)
        questions = QuestionFormSet(initial=rows, prefix=PREFIX)
        status = 200
    context = {
        **admin.site.each_context(request),
        "title": survey.name if survey else _("Build a survey"),
        "survey": survey,
        "answered": answered,
        "form": form,
        "questions": questions,
        "templates": [(key, value["label"]) for key, value in TEMPLATES.items()],
        "others": Survey.objects.order_by("name").only("pk", "name"),
        "types": Question.Type.choices,
        "operators": Question.Operator.choices,
    }
    return render(request, "admin/surveys/builder.html", context, status=status)
