"""Home pages: a CX lead lands on the program's numbers, a manager on their units', a frontline employee on /me/."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cxprogram.selectors import customer_mix, organisation_overview, request_scope
from journeys.services.importance import importance_request
from kpis.selectors.home import HOME_DAYS, cases_due_today, fix_first, home_loop, newest_comments, score_tiles
from kpis.selectors.kpi import unit_kpi_cards
from surveys.selectors.followups import followups_visible


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.can_see_results:
        return redirect("me") if scope.employee else render(request, "cxprogram/not_linked.html", status=403)
    now = timezone.now()
    today = timezone.localdate(now)
    # A manager's units as a list of ids, read once: the rollups' and responses' filters then narrow by index.
    units = scope.results_units()
    unit_ids = None if units is None else list(units.values_list("pk", flat=True))
    cases = followups_visible(scope, unit_ids=unit_ids)
    due, due_count = cases_due_today(cases, now=now)
    scope_unit_id = None if scope.is_lead or scope.employee is None else scope.employee.unit_id
    urgent = fix_first(units=unit_ids, today=today, scope_unit_id=scope_unit_id)
    for _journey, stored in urgent.importance:
        if stored.wanted:
            importance_request(key=stored.key)
    context = {
        "days": HOME_DAYS,
        "tiles": score_tiles(units=unit_ids, today=today),
        "metrics": home_loop(cases, every_case=scope.is_lead, now=now),
        "fix_first": urgent.cards,
        "importance": urgent,
        "comments": newest_comments(units=unit_ids),
        "due": due,
        "due_count": due_count,
    }
    if scope.is_lead:
        context |= {"overview": organisation_overview(), "mix": customer_mix(home_units=None)}
    else:
        context |= {"unit": scope.employee.unit, "kpi_cards": unit_kpi_cards(scope.employee.unit, influence_only=False)}
    return render(request, "kpis/home.html", context)
