"""Authoring for CX leads: surveys with inline questions, choices, display logic, links and actions."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cxprogram.models import Channel, Employee, Unit
from surveys.admin.website import WidgetOriginInline
from surveys.links import ResponseContext, survey_public_link, write_link
from surveys.models import (
    Choice,
    Question,
    Survey,
)
from surveys.posters import Poster, poster_pdf, poster_svg
from surveys.services.surveys import survey_close, survey_duplicate, survey_publish, survey_touch


class QuestionForm(forms.ModelForm):
    """Once a question has answers its type and scale are fixed, so trends stay comparable."""

    class Meta:
        model = Question
        fields = [
            "survey", "page", "order", "code", "type", "required", "text_en", "text_ru", "help_en", "help_ru",
            "scale_min", "scale_max", "low_label_en", "low_label_ru", "high_label_en", "high_label_ru", "max_length",
            "show_if_question", "show_if_operator", "show_if_value", "show_if_choice",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.answers.exists():
            for name in ("type", "scale_min", "scale_max"):
                if name in self.changed_data:
                    self.add_error(
                        name,
                        _("This question has answers already: its type and scale cannot change. Add a new question."),
                    )
        return cleaned


class QuestionInline(admin.StackedInline):
    model = Question
    form = QuestionForm
    extra = 0
    show_change_link = True
    fk_name = "survey"
    fieldsets = [
        (None, {"fields": [("page", "order", "code", "type", "required"), ("text_en", "text_ru")]}),
        (
            gettext_lazy("Help, scale and length"),
            {
                "classes": ["collapse"],
                # One field a line: Django opens a collapsed section for an error only when the field is listed on
                # its own (a field inside a grouped line stays hidden behind the closed section).
                "fields": [
                    "help_en",
                    "help_ru",
                    "scale_min",
                    "scale_max",
                    "max_length",
                    "low_label_en",
                    "low_label_ru",
                    "high_label_en",
                    "high_label_ru",
                ],
            },
        ),
        (
            gettext_lazy("Display logic"),
            {
                "classes": ["collapse"],
                "fields": ["show_if_question", "show_if_operator", "show_if_value", "show_if_choice"],
            },
        ),
    ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        fields = formset.form.base_fields
        same_survey = Question.objects.filter(survey=obj) if obj else Question.objects.none()
        fields["show_if_question"].queryset = same_survey
        fields["show_if_choice"].queryset = (
            Choice.objects.filter(question__survey=obj) if obj else Choice.objects.none()
        )
        return formset


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 3
    fields = ["order", "text_en", "text_ru"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = ["code", "survey", "type", "page", "order", "required"]
    list_filter = ["type", "survey"]
    search_fields = ["code", "text_en__unicontains", "text_ru__unicontains"]
    inlines = [ChoiceInline]
    autocomplete_fields = ["survey"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A question moved to another survey leaves the one it came from changed too.
        for survey_id in {form.instance.survey_id, form.initial.get("survey")} - {None}:
            survey_touch(survey_id=survey_id)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        survey_touch(survey_id=obj.survey_id)

    def delete_queryset(self, request, queryset):
        survey_ids = set(queryset.values_list("survey_id", flat=True))
        super().delete_queryset(request, queryset)
        for survey_id in survey_ids:
            survey_touch(survey_id=survey_id)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj:
            form.base_fields["show_if_question"].queryset = Question.objects.filter(survey_id=obj.survey_id).exclude(
                pk=obj.pk
            )
            form.base_fields["show_if_choice"].queryset = Choice.objects.filter(question__survey_id=obj.survey_id)
        return form


class SurveyForm(forms.ModelForm):
    """Anonymity is a promise made to the people who answered: it cannot change once there are answers."""

    class Meta:
        model = Survey
        fields = [
            "name", "kind", "status", "default_language", "anonymous", "contact_throttle_days", "title_en", "title_ru",
            "intro_en", "intro_ru", "thank_you_en", "thank_you_ru", "thank_you_unhappy_en", "thank_you_unhappy_ru",
            "thank_you_happy_en", "thank_you_happy_ru", "followup_enabled", "followup_nps_max", "followup_csat_max",
            "followup_ces_min", "followup_keywords", "followup_sla_hours",
        ]  # fmt: skip

    def clean_anonymous(self):
        anonymous = self.cleaned_data.get("anonymous")
        if self.instance.pk and anonymous != self.instance.anonymous and self.instance.responses.exists():
            raise forms.ValidationError(
                _("This survey has answers already: whether it is anonymous cannot change. Duplicate it instead.")
            )
        return anonymous


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    form = SurveyForm
    list_display = ["name", "kind", "status", "response_count", "links"]
    list_filter = ["status", "kind", "anonymous"]
    search_fields = ["name__unicontains", "title_en__unicontains", "title_ru__unicontains", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at", "links"]
    inlines = [QuestionInline, WidgetOriginInline]
    actions = ["publish", "close", "duplicate"]
    save_on_top = True
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    ("kind", "status"),
                    ("default_language", "anonymous", "contact_throttle_days"),
                    "links",
                ]
            },
        ),
        (gettext_lazy("What the customer sees"), {"fields": [("title_en", "title_ru"), ("intro_en", "intro_ru")]}),
        (
            gettext_lazy("Thank-you page"),
            {
                "fields": [
                    ("thank_you_en", "thank_you_ru"),
                    ("thank_you_unhappy_en", "thank_you_unhappy_ru"),
                    ("thank_you_happy_en", "thank_you_happy_ru"),
                ]
            },
        ),
        (gettext_lazy("Record"), {"classes": ["collapse"], "fields": ["public_id", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(response_count=Count("responses"))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        survey_touch(survey_id=form.instance.pk)  # inline questions changed after the survey row was saved

    @admin.display(description=gettext_lazy("responses"), ordering="response_count")
    def response_count(self, survey):
        url = reverse("admin:surveys_response_changelist") + f"?survey__id__exact={survey.pk}"
        return format_html('<a href="{}">{}</a>', url, survey.response_count)

    @admin.display(description=gettext_lazy("links"))
    def links(self, survey):
        if not survey.pk:
            return "—"
        public = survey.get_absolute_url()
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}?preview=1" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a>',
            public,
            _("public link"),
            public,
            _("preview"),
            reverse("admin:surveys_survey_link", args=[survey.pk]),
            _("link with context"),
        )

    @admin.action(description=gettext_lazy("Publish: make live"))
    def publish(self, request, queryset):
        for survey in queryset:
            survey_publish(survey=survey)
        n = queryset.count()
        self.message_user(
            request, ngettext("%(n)d survey is live.", "%(n)d surveys are live.", n) % {"n": n}, messages.SUCCESS
        )

    @admin.action(description=gettext_lazy("Close: stop accepting answers"))
    def close(self, request, queryset):
        for survey in queryset:
            survey_close(survey=survey)
        n = queryset.count()
        self.message_user(
            request, ngettext("%(n)d survey is closed.", "%(n)d surveys are closed.", n) % {"n": n}, messages.SUCCESS
        )

    @admin.action(description=gettext_lazy("Duplicate as a new draft"))
    def duplicate(self, request, queryset):
        for survey in queryset:
            copy = survey_duplicate(survey=survey)
            self.message_user(request, _("Created the draft “%(name)s”.") % {"name": copy.name}, messages.SUCCESS)

    def get_urls(self):
        return [
            path("<int:pk>/link/", self.admin_site.admin_view(self.link_view), name="surveys_survey_link"),
            path(
                "<int:pk>/poster.<str:kind>",
                self.admin_site.admin_view(self.poster_view),
                name="surveys_survey_poster",
            ),
            *super().get_urls(),
        ]

    def link_view(self, request, pk):
        """Build a public link that carries signed context (unit, employee, touchpoint, channel, reference)."""
        survey = get_object_or_404(Survey, pk=pk)
        if not self.has_view_permission(request, survey):
            return redirect("admin:index")
        form = LinkContextForm(request.GET or None, survey=survey)
        link = None
        if form.is_valid():
            path_ = survey_public_link(survey=survey, context=ResponseContext(**form.cleaned_data))
            link = request.build_absolute_uri(path_)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": survey,
            "title": _("Link with context for “%(name)s”") % {"name": survey.name},
            "form": form,
            "link": link,
            "poster_query": request.GET.urlencode() if link and form.cleaned_data["unit"] else "",
            "write_link": request.build_absolute_uri(write_link(unit=form.cleaned_data["unit"]))
            if link and form.cleaned_data["unit"]
            else "",
        }
        return TemplateResponse(request, "admin/surveys/survey/link.html", context)

    def poster_view(self, request, pk, kind):
        """A printable QR poster (SVG or PDF) for one unit and touchpoint, carrying the signed context."""
        survey = get_object_or_404(Survey, pk=pk)
        if not self.has_view_permission(request, survey):
            return redirect("admin:index")
        form = LinkContextForm(request.GET, survey=survey)
        if kind not in ("svg", "pdf"):
            raise Http404
        if not form.is_valid() or not form.cleaned_data["unit"]:
            return HttpResponseBadRequest(_("Choose the unit the poster hangs in."), content_type="text/plain")
        data = form.cleaned_data
        poster = Poster(
            link=settings.SITE_URL + survey_public_link(survey=survey, context=ResponseContext(**data)),
            store_name=data["unit"].name,
            title_ru=survey.title_ru,
            title_en=survey.title_en,
        )
        filename = f"poster-{data['unit'].code}-{data['touchpoint'] or 'all'}.{kind}"
        if kind == "svg":
            response = HttpResponse(poster_svg(poster), content_type="image/svg+xml; charset=utf-8")
        else:
            response = HttpResponse(poster_pdf(poster), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class LinkContextForm(forms.Form):
    unit = forms.ModelChoiceField(Unit.objects.all(), required=False, label=gettext_lazy("unit"))
    employee = forms.ModelChoiceField(
        Employee.objects.select_related("user"), required=False, label=gettext_lazy("employee who served")
    )
    touchpoint = forms.SlugField(required=False, max_length=50, label=gettext_lazy("touchpoint code"))
    channel = forms.ChoiceField(choices=[("", "—"), *Channel.choices], required=False, label=gettext_lazy("channel"))
    transaction_ref = forms.CharField(required=False, max_length=100, label=gettext_lazy("transaction reference"))

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey

    def clean(self):
        cleaned = super().clean()
        if self.survey.anonymous:
            for name in ("employee", "transaction_ref"):
                if cleaned.get(name):
                    self.add_error(
                        name,
                        _("This survey is anonymous: its answers are never tied to an employee or a transaction."),
                    )
        return cleaned
