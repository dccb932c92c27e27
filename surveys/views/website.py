"""Website feedback results for CX leads: per page address and per site section, the help centre's weakest pages
first. Only leads: website answers belong to no unit, so a manager's scope (their units) holds none of them."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cxprogram.replica import reads_from_replica
from cxprogram.selectors import request_scope
from surveys.selectors.website import website_results, widget_survey

PAGES_PER_SCREEN = 50


@login_required
@reads_from_replica
def website_pages(request: HttpRequest, public_id: str) -> HttpResponse:
    if not request_scope(request).is_lead:
        raise Http404
    widget = widget_survey(public_id=public_id)
    if widget is None:
        raise Http404
    results = website_results(survey=widget.survey, helped=widget.helped, comment=widget.comment)
    context = {
        "survey": widget.survey,
        "question": widget.helped,
        "results": results,
        "pages": Paginator(results.pages, PAGES_PER_SCREEN).get_page(request.GET.get("page")),
        "origins": list(widget.survey.widget_origins.order_by("origin")),
    }
    return render(request, "surveys/website_pages.html", context)
