"""Results pages for CX leads and managers (managers see their unit subtree): figures, trend, breakdowns,
comments, allies, and CSV exports."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation

from cxprogram.selectors import request_scope
from surveys.forms.results import BREAKDOWN_CHOICES, ResultsFilterForm
from surveys.models import FollowUp, Survey
from surveys.selectors.exports import responses_csv, spreadsheet_safe
from surveys.selectors.metrics import responses_in
from surveys.selectors.results import allies, loop_metrics, survey_results, verbatims


def _viewer_units(request: HttpRequest):
    """Units whose results the person may read: CX leads all (None), managers their subtree; others none."""
    scope = request_scope(request)
    if scope.is_lead:
        return scope, None
    if scope.is_manager:
        return scope, scope.units()
    raise Http404


@login_required
def results_index(request: HttpRequest) -> HttpResponse:
    _scope, units = _viewer_units(request)
    in_scope = Q() if units is None else Q(responses__unit__in=units)
    surveys = Survey.objects.exclude(status=Survey.Status.DRAFT).annotate(n=Count("responses", filter=in_scope))
    return render(request, "surveys/results_index.html", {"surveys": surveys.order_by("name")})


def _filtered(request: HttpRequest, public_id: str):
    scope, units = _viewer_units(request)
    survey = get_object_or_404(Survey, public_id=public_id)
    form = ResultsFilterForm(request.GET, units=scope.units())
    return survey, form, form.is_valid(), units


@login_required
def results_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    survey, form, valid, units = _filtered(request, public_id)
    if not valid:
        return render(request, "surveys/results_detail.html", {"survey": survey, "form": form}, status=400)
    slice_ = form.slice_for(survey, units)
    language = translation.get_language()
    by, sort = form.cleaned_data.get("by") or "unit", form.cleaned_data.get("sort") or "label"
    results = survey_results(slice_=slice_, by=by, sort=sort, language=language)
    comments = Paginator(
        verbatims(slice_=slice_, search=form.cleaned_data.get("q", ""), band=form.cleaned_data.get("band", "")), 20
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "survey": survey,
        "form": form,
        "results": results,
        "by_label": dict(BREAKDOWN_CHOICES)[by],
        "comments": comments,
        "hide_comments": survey.kind == Survey.Kind.EMPLOYEE_PULSE and results.responses < 5,
        "query": query.urlencode(),
        "metrics": loop_metrics(FollowUp.objects.filter(response__in=responses_in(slice_)), now=timezone.now()),
    }
    return render(request, "surveys/results_detail.html", context)


@login_required
def results_export(request: HttpRequest, public_id: str) -> HttpResponse:
    survey, form, valid, units = _filtered(request, public_id)
    if not valid:
        return HttpResponse(str(form.errors.as_text()), status=400, content_type="text/plain; charset=utf-8")
    responses = responses_in(form.slice_for(survey, units))
    stream = responses_csv(survey=survey, responses=responses, language=translation.get_language())
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{survey.public_id}-responses-{stamp}.csv"'
    return response


@login_required
def results_allies(request: HttpRequest, public_id: str) -> HttpResponse:
    survey, form, valid, units = _filtered(request, public_id)
    if not valid:
        return render(request, "surveys/results_allies.html", {"survey": survey, "form": form}, status=400)
    slice_ = form.slice_for(survey, units)
    lists = {kind: allies(slice_=slice_, kind=kind) for kind in ("promoters", "detractors")}
    if request.GET.get("format") == "csv":
        kind = "detractors" if request.GET.get("list") == "detractors" else "promoters"
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{survey.public_id}-{kind}.csv"'
        writer = csv.writer(response)
        writer.writerow(["external_id", "name", "email", "phone", "segment", "unit", "nps", "comment", "submitted_at"])
        for r in lists[kind][:5000]:
            c = r.customer
            row = [
                c.external_id,
                c.name,
                c.email,
                c.phone,
                c.segment.name if c.segment else "",
                r.unit.name if r.unit else "",
            ]
            writer.writerow([spreadsheet_safe(v) for v in [*row, r.nps, r.comment or "", r.submitted_at.isoformat()]])
        return response
    context = {
        "survey": survey,
        "form": form,
        "promoters": lists["promoters"][:100],
        "detractors": lists["detractors"][:100],
    }
    return render(request, "surveys/results_allies.html", context)
