"""Walk in a customer's shoes: find a customer, then their responses, scores, comments and cases in order."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cxprogram.selectors import request_scope
from journeys.forms.journeys import TimelineFilterForm
from journeys.selectors.timeline import customer_timeline, customers_visible, timeline_journeys


@login_required
def customer_search(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if scope.employee is None and not scope.is_lead:
        raise Http404
    # No stored text holds a NUL character, and PostgreSQL refuses one in a query (a 500): drop them.
    text = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    customers = []
    if text:
        found = Q(name__unicontains=text) | Q(external_id__iexact=text) | Q(email__iexact=text)
        customers = list(customers_visible(scope).filter(found).select_related("segment").order_by("name")[:26])
    more = len(customers) > 25
    return render(
        request,
        "journeys/customer_search.html",
        {"q": text, "customers": customers[:25], "more": more, "shown": 25},
    )


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope = request_scope(request)
    customer = get_object_or_404(customers_visible(scope).select_related("segment", "home_unit"), pk=pk)
    form = TimelineFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "journeys/customer_timeline.html", {"customer": customer, "form": form}, status=400)
    entries = customer_timeline(
        customer, scope, theme=form.cleaned_data["theme"], sentiment=form.cleaned_data["sentiment"]
    )
    context = {"customer": customer, "entries": entries, "journeys": timeline_journeys(entries), "form": form}
    return render(request, "journeys/customer_timeline.html", context)
