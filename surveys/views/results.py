"""Results pages for CX leads and managers (managers see their unit subtree): figures, trend, breakdowns,
comments, allies, and CSV and XLSX exports."""

import csv
import re
import tempfile

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from cxprogram.models import Unit
from cxprogram.replica import reads_from_replica
from cxprogram.selectors import request_scope
from surveys.forms.results import BREAKDOWN_CHOICES, AnonymousResultsForm, ResultsFilterForm
from surveys.models import Survey
from surveys.selectors.anonymous import Period, anonymous_comments, anonymous_results
from surveys.selectors.case_rollups import slice_loop
from surveys.selectors.channels import SEED_LOOP
from surveys.selectors.exports import BOM, responses_csv, responses_xlsx, spreadsheet_safe
from surveys.selectors.metrics import responses_in
from surveys.selectors.pilot import pilot_counts
from surveys.selectors.results import allies, survey_results, verbatims
from surveys.selectors.themes import comment_mentions, comments_with_theme
from surveys.services.complaints import COMPLAINTS_SURVEY_ID
from surveys.text.pii import mask


def _viewer_units(request: HttpRequest):
    """Units whose results the person may read: CX leads all (None), managers their subtree; others none."""
    scope = request_scope(request)
    if not scope.can_see_results:
        raise Http404
    return scope, scope.results_units()


@login_required
@reads_from_replica
def results_index(request: HttpRequest) -> HttpResponse:
    _scope, units = _viewer_units(request)
    in_scope = Q() if units is None else Q(responses__unit__in=units)
    surveys = Survey.objects.exclude(status=Survey.Status.DRAFT).annotate(n=Count("responses", filter=in_scope))
    return render(request, "surveys/results_index.html", {"surveys": surveys.order_by("name")})


def _filtered(request: HttpRequest, public_id: str, survey: Survey | None = None):
    scope, units = _viewer_units(request)
    survey = survey or get_object_or_404(Survey, public_id=public_id)
    form = ResultsFilterForm(request.GET, units=scope.units())
    return survey, form, form.is_valid(), units


def _anonymous_detail(request: HttpRequest, survey: Survey) -> HttpResponse:
    """An anonymous survey's page: figures of a finished period for a unit subtree and the units below it, each
    only where its group is large enough and cannot be worked out by subtraction; comments as bare texts."""
    scope = request_scope(request)
    form = AnonymousResultsForm(request.GET, units=scope.units(), today=timezone.localdate())
    context = {"survey": survey, "form": form}
    if not form.is_valid():
        return render(request, "surveys/results_anonymous.html", context, status=400)
    unit = form.cleaned_data.get("unit") or (
        Unit.objects.filter(parent__isnull=True).first() if scope.is_lead else scope.employee.unit
    )
    if unit is None:
        raise Http404
    period = Period(settings.PULSE_PERIOD, form.chosen_period())
    results = anonymous_results(survey=survey, period=period, unit=unit)
    texts = anonymous_comments(
        survey=survey, period=period, unit=unit, search=form.cleaned_data.get("q", ""), personal_data=scope.is_lead
    )
    query = request.GET.copy()
    query.pop("page", None)
    context |= {
        "results": results,
        "comments": Paginator(texts, 20).get_page(request.GET.get("page")),
        "query": query.urlencode(),
        "minimum": settings.PULSE_MIN_GROUP,
    }
    return render(request, "surveys/results_anonymous.html", context)


def _no_single_answers(survey: Survey) -> HttpResponse:
    message = _(
        "This survey is anonymous: its answers are never given out one by one. "
        "Its results page shows them as figures of large enough groups."
    )
    return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")


@login_required
@reads_from_replica
def results_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    _viewer_units(request)
    survey = get_object_or_404(Survey, public_id=public_id)
    if survey.anonymous:
        return _anonymous_detail(request, survey)
    survey, form, valid, units = _filtered(request, public_id, survey)
    if not valid:
        return render(request, "surveys/results_detail.html", {"survey": survey, "form": form}, status=400)
    slice_ = form.slice_for(survey, units)
    language = translation.get_language()
    by, sort = form.cleaned_data.get("by") or "unit", form.cleaned_data.get("sort") or "label"
    results = survey_results(slice_=slice_, by=by, sort=sort, language=language)
    texts = comments_with_theme(
        verbatims(
            slice_=slice_,
            search=form.cleaned_data.get("q", ""),
            band=form.cleaned_data.get("band", ""),
            personal_data=request_scope(request).is_lead,
        ),
        theme=form.cleaned_data.get("theme") or "",
        sentiment=form.cleaned_data.get("sentiment") or "",
    ).select_related("analysis", "response__followup")
    paginator = Paginator(texts, 20)
    filters = ("q", "band", "theme", "sentiment")
    if results.comments is not None and not any(form.cleaned_data.get(name) for name in filters):
        paginator.count = results.comments  # counted by the rollups: no pass over every comment of the slice
    comments = paginator.get_page(request.GET.get("page"))
    mentions = comment_mentions([answer.pk for answer in comments])
    for answer in comments:
        answer.mentions = mentions.get(answer.pk, [])
    main = results.main
    pilot = (
        pilot_counts(slice_=slice_, question=main.question)
        if main is not None and not main.headline.enough and main.headline.n
        else None
    )
    query = request.GET.copy()
    query.pop("page", None)
    loop = slice_loop(slice_, now=timezone.now())
    context = {
        "survey": survey,
        "form": form,
        "results": results,
        "by_label": dict(BREAKDOWN_CHOICES)[by],
        "comments": comments,
        "pilot": pilot,
        "request_scope_is_lead": request_scope(request).is_lead,
        "website_pages": request_scope(request).is_lead  # surveys/views/website; asked only of a yes/no survey
        and any(r.question.type == "yes_no" for r in results.questions)
        and survey.widget_origins.exists(),
        "query": query.urlencode(),
        "metrics": loop.metrics,
        "channels": loop.channels,
        "seed": SEED_LOOP,
        # Complaints from outside open their cases themselves (the survey's own rules are off), so they show too.
        "loop_shown": (survey.followup_enabled or survey.public_id == COMPLAINTS_SURVEY_ID)
        and survey.kind != Survey.Kind.EMPLOYEE_PULSE,
    }
    return render(request, "surveys/results_detail.html", context)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@reads_from_replica
def results_export(request: HttpRequest, public_id: str, file_format: str = "csv") -> HttpResponse:
    """The slice's responses as a streamed CSV or an XLSX file, named after the survey, the slice and the day."""
    survey, form, valid, units = _filtered(request, public_id)
    if survey.anonymous:
        return _no_single_answers(survey)
    if not valid:
        return HttpResponse(str(form.errors.as_text()), status=400, content_type="text/plain; charset=utf-8")
    responses = responses_in(form.slice_for(survey, units))
    language = translation.get_language()
    # Comments' phones, e-mails and card numbers stay masked unless a CX lead asks for them.
    personal_data = request.GET.get("personal_data") == "1" and request_scope(request).is_lead
    name = export_file_name(survey.title, form.slice_label(), timezone.localdate().isoformat(), file_format)
    if file_format == "xlsx":
        into = tempfile.TemporaryFile()  # noqa: SIM115  # FileResponse closes it once sent
        responses_xlsx(survey=survey, responses=responses, language=language, into=into, personal_data=personal_data)
        into.seek(0)
        return FileResponse(into, as_attachment=True, filename=name, content_type=XLSX)
    stream = responses_csv(survey=survey, responses=responses, language=language, personal_data=personal_data)
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def export_file_name(survey: str, slice_label: str, day: str, extension: str) -> str:
    """ "Визит в магазин 2026-10-01–2026-12-31 Тверская 2026-12-04.csv": no characters a file system refuses."""
    name = " ".join(part for part in (survey, slice_label, day) if part)
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', " ", name).strip() + f".{extension}"


@login_required
@reads_from_replica
def results_allies(request: HttpRequest, public_id: str) -> HttpResponse:
    survey, form, valid, units = _filtered(request, public_id)
    if survey.anonymous:
        return _no_single_answers(survey)
    if not valid:
        return render(request, "surveys/results_allies.html", {"survey": survey, "form": form}, status=400)
    slice_ = form.slice_for(survey, units)
    lists = {kind: allies(slice_=slice_, kind=kind) for kind in ("promoters", "detractors")}
    if request.GET.get("format") == "csv":
        kind = "detractors" if request.GET.get("list") == "detractors" else "promoters"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{survey.public_id}-{kind}.csv"'
        response.write(BOM)
        writer = csv.writer(response)
        writer.writerow(["external_id", "name", "email", "phone", "segment", "unit", "nps", "comment", "submitted_at"])
        personal_data = request.GET.get("personal_data") == "1" and request_scope(request).is_lead
        for r in lists[kind][:5000]:
            c = r.customer
            comment = (r.comment or "") if personal_data else mask(r.comment or "")
            row = [
                c.external_id,
                c.name,
                c.email,
                c.phone,
                c.segment.name if c.segment else "",
                r.unit.name if r.unit else "",
            ]
            writer.writerow([spreadsheet_safe(v) for v in [*row, r.nps, comment, r.submitted_at.isoformat()]])
        return response
    context = {
        "survey": survey,
        "form": form,
        "promoters": lists["promoters"][:100],
        "detractors": lists["detractors"][:100],
    }
    return render(request, "surveys/results_allies.html", context)
