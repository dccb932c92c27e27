"""Journey pages for CX leads and managers (managers' scores cover their unit subtree): the live map, a touchpoint's
trend and comments, the pain-point priorities, and a customer's timeline."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cxprogram.selectors import Scope, request_scope
from journeys.forms.journeys import MapFilterForm
from journeys.models import Journey, Touchpoint
from journeys.selectors.maps import improvement_priorities, journey_map
from journeys.selectors.scores import touchpoint_comments, touchpoint_metric, touchpoint_scores, touchpoint_trend
from journeys.selectors.themes import touchpoint_top_themes
from journeys.services.importance import importance_request
from surveys.charts import trend_chart
from surveys.selectors.themes import comment_mentions

Y_RANGE = {"nps": (-100, 100), "csat": (0, 100), "yes_no": (0, 100), "ces": (1, 7)}


def _viewer(request: HttpRequest) -> tuple[Scope, object]:
    """Journey maps are for CX leads (every unit's responses: None) and managers (their unit subtree)."""
    scope = request_scope(request)
    if not scope.can_see_results:
        raise Http404
    return scope, scope.results_units()


def _scope_unit_id(scope: Scope) -> int | None:
    """The unit whose subtree a manager's results cover (None for CX leads, who see every unit)."""
    return None if scope.is_lead or scope.employee is None else scope.employee.unit_id


def _filters(request: HttpRequest, scope: Scope) -> tuple[MapFilterForm, str]:
    form = MapFilterForm(request.GET, units=scope.units())
    query = request.GET.copy()
    query.pop("page", None)
    return form, query.urlencode()


@login_required
def journey_list(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    journeys = (
        Journey.objects.select_related("persona", "owner__user")
        .annotate(
            stage_count=Count("stages", distinct=True),
            touchpoint_count=Count("stages__touchpoints", distinct=True),
        )
        .order_by("state", "name")
    )
    return render(request, "journeys/journey_list.html", {"journeys": journeys})


@login_required
def journey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope, units = _viewer(request)
    journey = get_object_or_404(Journey.objects.select_related("persona", "owner__user", "outcome_question"), pk=pk)
    form, query = _filters(request, scope)
    if not form.is_valid():
        return render(request, "journeys/journey_map.html", {"journey": journey, "form": form}, status=400)
    current, previous = form.slices(units)
    live = journey_map(journey=journey, slice_=current, previous=previous, scope_unit_id=_scope_unit_id(scope))
    if live.importance.wanted:
        importance_request(key=live.importance.key)
    touchpoint_ids = [card.touchpoint.pk for column in live.columns for card in column.cards]
    context = {
        "journey": journey,
        "form": form,
        "query": query,
        "map": live,
        "top_themes": touchpoint_top_themes(touchpoint_ids, current),
        "period": current,
        "previous": previous,
    }
    return render(request, "journeys/journey_map.html", context)


@login_required
def touchpoint_detail(request: HttpRequest, pk: int, touchpoint_pk: int) -> HttpResponse:
    scope, units = _viewer(request)
    touchpoint = get_object_or_404(
        Touchpoint.objects.select_related("stage__journey", "owner_unit").prefetch_related(
            "measures__question__survey"
        ),
        pk=touchpoint_pk,
        stage__journey_id=pk,
    )
    form, query = _filters(request, scope)
    context = {"journey": touchpoint.stage.journey, "touchpoint": touchpoint, "form": form, "query": query}
    if not form.is_valid():
        return render(request, "journeys/touchpoint_detail.html", context, status=400)
    current, previous = form.slices(units)
    metric, _scale = touchpoint_metric(touchpoint)
    year = current.but(date_from=current.date_to - timedelta(days=364))
    points = [(label, f.value, f.low, f.high, f.n) for label, f in touchpoint_trend(touchpoint, year)]
    lo, hi = Y_RANGE.get(metric, (1, 5))
    comments = Paginator(touchpoint_comments(touchpoint, current).select_related("analysis"), 20).get_page(
        request.GET.get("page")
    )
    mentions = comment_mentions([answer.pk for answer in comments])
    for answer in comments:
        answer.mentions = mentions.get(answer.pk, [])
    context |= {
        "score": touchpoint_scores([touchpoint], current, previous)[0],
        "trend": trend_chart(points, lo=lo, hi=hi) if any(p[1] is not None for p in points) else None,
        "comments": comments,
        "top_themes": touchpoint_top_themes([touchpoint.pk], current, limit=5).get(touchpoint.pk, []),
        "improvements": touchpoint.improvements.select_related("owner__user").order_by("status", "-customer_value"),
    }
    return render(request, "journeys/touchpoint_detail.html", context)


@login_required
def journey_priorities(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer(request)
    journey = get_object_or_404(Journey, pk=pk)
    items = list(improvement_priorities(journey))
    grid = [[[i for i in items if i.customer_value == value and i.effort == effort] for effort in range(1, 6)]
            for value in range(5, 0, -1)]  # fmt: skip
    context = {"journey": journey, "items": items, "grid": grid, "efforts": range(1, 6), "values": range(5, 0, -1)}
    return render(request, "journeys/priorities.html", context)
