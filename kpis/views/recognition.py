"""The celebration wall, the recognition form and the one-click pass-on of a customer's praise."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxprogram.selectors import request_scope
from kpis.forms.recognition import RecognitionForm
from kpis.models import CompanyValue, Recognition
from kpis.selectors.recognition import allowance_left, recognition_suggestions, recognitions_visible, suggestion_for
from kpis.services.recognition import recognition_from_suggestion, recognition_give

WALL_PAGE_SIZE = 20


def _not_linked(request: HttpRequest) -> HttpResponse:
    return render(request, "cxprogram/not_linked.html", status=403)


@login_required
def wall(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    if not scope.is_member:
        return _not_linked(request)
    recognitions = recognitions_visible(scope)
    mine = request.GET.get("mine") == "1" and scope.employee is not None
    if mine:
        recognitions = recognitions.filter(Q(receiver=scope.employee) | Q(giver=scope.employee))
    page = Paginator(recognitions.for_wall(), WALL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "kpis/wall.html", {"page": page, "mine": mine})


@login_required
def recognise(request: HttpRequest) -> HttpResponse:
    scope = request_scope(request)
    giver = scope.employee
    if giver is None:
        return _not_linked(request)
    language = (get_language() or "en")[:2]
    left = allowance_left(giver)
    status = 200
    if request.method == "POST":
        form = RecognitionForm(request.POST, giver=giver, language=language, allowance_left=left)
        if form.is_valid():
            try:
                recognition = recognition_give(giver=giver, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Thank you! %(name)s will see your recognition.") % {"name": recognition.receiver}
                )
                return redirect("recognition-wall")
        status = 400
    else:
        chosen = request.GET.get("to", "")
        initial = {"receiver": chosen} if chosen.isdigit() else {}
        form = RecognitionForm(initial=initial, giver=giver, language=language, allowance_left=left)
    context = {"form": form, "allowance_left": left}
    if scope.can_recognise_for_team:
        context.update(suggestions=recognition_suggestions(giver.unit), unit=giver.unit)
    return render(request, "kpis/recognise.html", context, status=status)


@login_required
@require_POST
def suggestion_send(request: HttpRequest, answer_id: int) -> HttpResponse:
    """One click: the manager passes a customer's praising comment on to the employee it praises."""
    scope = request_scope(request)
    if not scope.can_recognise_for_team:
        raise Http404
    if suggestion_for(answer_id=answer_id, units=scope.units()) is None:
        if not Recognition.objects.filter(answer_id=answer_id, unit__in=scope.units()).exists():
            raise Http404  # no such comment about this manager's people
        message = _("This comment has already been passed on.")
        return render(request, "cxprogram/error.html", {"title": _("Already sent"), "message": message}, status=409)
    chosen = request.POST.get("value", "")
    # isdigit() alone lets "²" through, which int() refuses.
    value = (
        CompanyValue.objects.filter(active=True, pk=chosen).first() if chosen.isascii() and chosen.isdigit() else None
    )
    try:
        recognition = recognition_from_suggestion(manager=scope.employee, answer_id=answer_id, value=value, scope=scope)
    except ValidationError as error:
        context = {"title": _("Not sent"), "message": " ".join(error.messages)}
        return render(request, "cxprogram/error.html", context, status=400)
    messages.success(request, _("Sent: %(name)s will see the customer's words.") % {"name": recognition.receiver})
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("recognise")
    return redirect(next_url)
