"""The follow-up queue and the case page: managers contact unhappy customers, note, resolve or close."""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cxprogram.models import Employee
from cxprogram.selectors import request_scope
from surveys.answer_labels import answer_lines
from surveys.forms.followups import QueueFilterForm
from surveys.models import FollowUp, Response, ThemeMention
from surveys.selectors.channels import SEED_LOOP, channel_loop_metrics
from surveys.selectors.complaints import complaint_of, routable_units
from surveys.selectors.followups import (
    desk_queue,
    followups_visible,
    loop_metrics,
    recovery_case,
    reply_draft,
    reply_templates_for,
    saved_views,
)
from surveys.selectors.public_answers import public_answer_panel
from surveys.selectors.themes import suggested_root_cause
from surveys.services.complaints import complaint_route
from surveys.services.desk import followups_reassign, saved_view_delete, saved_view_save
from surveys.services.followups import (
    followup_close,
    followup_contacted,
    followup_note,
    followup_reassign,
    followup_record_recovery,
    followup_resolve,
)
from surveys.services.replies import followup_reply

QUEUE_PAGE_SIZE = 50
DONE = {  # the confirmation after each action of the case page
    "contacted": _("Marked as contacted."),
    "note": _("The note is saved."),
    "resolve": _("The case is resolved."),
    "reply": _("The e-mail is on its way to the customer."),
    "close": _("The case is closed without contact."),
    "reassign": _("The case has a new owner."),
    "unit": _("The complaint went to the unit and its manager."),
}


class ResolveForm(forms.Form):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[("", "—"), *FollowUp.RootCause.choices])
    action_taken = forms.CharField(label=_("Action taken"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    ask_if_solved = forms.BooleanField(
        label=_("E-mail the customer a one-click question: is it solved?"), required=False, initial=True
    )


class ReplyForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)
    # One per page: the same form posted twice (a double click, a resent request) sends one e-mail.
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Why the customer could not be reached"), max_length=500)


def _visible(request: HttpRequest):
    scope = request_scope(request)
    if not scope.is_member:
        raise Http404
    return scope, followups_visible(scope)


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    """The case desk: the queue with filters, search and saved views; bulk reassignment for CX leads."""
    scope, cases = _visible(request)
    now = timezone.now()
    form = QueueFilterForm(request.GET or None, units=scope.units(), employees=scope.employees())
    if request.GET and not form.is_valid():
        filters, status = {}, 400
    else:
        filters, status = (form.cleaned_data if form.is_bound else {}), 200
    if filters:
        filters["owner_filtered"], filters["owner_id"] = form.owner_choice()
    queue = desk_queue(cases, filters=filters, now=now, me=scope.employee, personal_data=scope.is_lead)
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "metrics": loop_metrics(cases, now=now),
        "channels": channel_loop_metrics(cases, now=now),
        "seed": SEED_LOOP,
        "query": query.urlencode(),
        "saved_views": saved_views(scope.employee),
        "owners": scope.employees().exclude(role=Employee.Role.FRONTLINE).select_related("user")
        if scope.is_lead
        else None,
        "now": now,
    }
    return render(request, "surveys/followup_list.html", context, status=status)


@login_required
@require_POST
def followup_bulk_reassign(request: HttpRequest) -> HttpResponse:
    """CX leads give the ticked cases to one owner (or the CX leads' queue) at once."""
    scope, cases = _visible(request)
    if not scope.is_lead:
        raise Http404
    ids = [int(pk) for pk in request.POST.getlist("case") if pk.isdecimal() and len(pk) < 10]
    owner_id = request.POST.get("owner", "")
    owner = scope.employees().filter(pk=owner_id).first() if owner_id.isdecimal() else None
    back = _queue_url(request.POST.get("back", ""))
    if not ids:
        messages.error(request, _("Tick the cases to reassign first."))
    elif owner_id and owner is None:
        messages.error(request, _("Choose someone you can see."))
    else:
        changed = followups_reassign(followups=cases.filter(pk__in=ids), actor=scope.employee, owner=owner)
        messages.success(
            request,
            ngettext("%(n)d case given to %(owner)s.", "%(n)d cases given to %(owner)s.", changed)
            % {"n": changed, "owner": owner or _("CX leads")},
        )
    return redirect(back)


def _queue_url(query: str) -> str:
    """The queue with a query string from our own form (only the query part is ever taken)."""
    query = query.split("#")[0].lstrip("?").replace("\n", "").replace("\r", "")
    return f"{reverse('followup-list')}?{query}" if query else reverse("followup-list")


@login_required
@require_POST
def saved_view_act(request: HttpRequest) -> HttpResponse:
    """Save the queue's current filters under a name, or delete a saved view."""
    scope, _cases = _visible(request)
    if scope.employee is None:
        raise Http404
    query = request.POST.get("query", "")
    if request.POST.get("delete", "").isdecimal():
        if saved_view_delete(employee=scope.employee, view_id=int(request.POST["delete"])):
            messages.success(request, _("The view is deleted."))
        return redirect(_queue_url(query))
    try:
        view = saved_view_save(employee=scope.employee, name=request.POST.get("name", ""), query=query)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_queue_url(query))
    messages.success(request, _("The view “%(name)s” is saved.") % {"name": view.name})
    return redirect(_queue_url(view.query))


@login_required
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scope, cases = _visible(request)
    case = get_object_or_404(
        cases.select_related(
            "response__survey",
            "response__customer__segment",
            "response__unit",
            "response__employee__user",
            "owner__user",
        ),
        pk=pk,
    )
    return _render_case(request, scope, case)


def _render_case(
    request, scope, case, *, resolve=None, note=None, close=None, reply=None, error="", status=200
) -> HttpResponse:
    response = case.response
    anonymous = response.survey.anonymous
    customer = None if anonymous else response.customer
    history = []
    if customer is not None:
        history = (
            Response.objects.filter(customer=customer)
            .exclude(pk=response.pk)
            .select_related("survey", "followup")
            .order_by("-submitted_at")[:20]
        )
    answers = answer_lines(response.answers.select_related("question", "choice"))
    suggested_cause, cause_themes = suggested_root_cause(response)
    owners = scope.employees().select_related("user").order_by("user__last_name")
    complaint = complaint_of(case)
    language = customer.language if customer else response.language
    templates = list(reply_templates_for(language))
    chosen = None
    if reply is None:
        asked = request.GET.get("template", "")
        own = [t for t in templates if t.in_customer_language]
        chosen = next(
            # isdigit() also accepts "²", which int() refuses
            (t for t in templates if asked.isdecimal() and t.pk == int(asked)),
            next((t for t in own if t.root_cause == case.root_cause), None)
            or next((t for t in own if not t.root_cause), None),
        )
        subject, body = reply_draft(followup=case, template=chosen, complaint=complaint)
        reply = ReplyForm(initial={"subject": subject, "body": body, "key": secrets.token_urlsafe(16)})
    for field in reply.fields.values():  # written in the customer's language: spellcheck and screen readers follow
        field.widget.attrs["lang"] = language
    context = {
        "case": case,
        "response": response,
        "customer": customer,
        "anonymous": anonymous,
        "answers": answers,
        "history": history,
        "events": case.events.select_related("actor__user"),
        "resolve_form": resolve or ResolveForm(initial={"root_cause": case.root_cause or suggested_cause}),
        "suggested_cause": FollowUp.RootCause(suggested_cause).label if suggested_cause else "",
        "cause_themes": cause_themes,
        "mentions": ThemeMention.objects.filter(response=response).select_related("theme").order_by("start"),
        "note_form": note or NoteForm(),
        "close_form": close or CloseForm(),
        "reply_form": reply,
        "reply_templates": templates,
        "chosen_template": chosen.pk if chosen else None,
        "can_email": (customer is not None and bool(customer.email)) or (complaint is not None and complaint.is_email),
        "reply_to": complaint.author_email
        if complaint is not None and complaint.is_email
        else customer and customer.email,
        "complaint": complaint,
        "route_units": routable_units() if complaint is not None and scope.can_route_complaints else None,
        "owners": owners,
        "error": error,
        "overdue": case.status == FollowUp.Status.NEW and case.due_at < timezone.now(),
        **public_answer_panel(scope, complaint),
    }
    return render(request, "surveys/followup_detail.html", context, status=status)


@login_required
@require_POST
def followup_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One button of the case page: contacted, note, resolve, close, reassign, reply, or (CX leads, complaints) the
    unit a complaint is about."""
    scope, cases = _visible(request)
    case = get_object_or_404(cases.select_related("response__survey", "response__customer"), pk=pk)
    actor = scope.employee
    try:
        if action == "contacted":
            followup_contacted(followup=case, actor=actor, note=request.POST.get("note", ""))
        elif action == "note":
            form = NoteForm(request.POST)
            if form.is_valid():
                followup_note(followup=case, actor=actor, text=form.cleaned_data["text"])
            else:
                return _render_case(request, scope, case, note=form, status=400)
        elif action == "resolve":
            form = ResolveForm(request.POST)
            if not form.is_valid():
                return _render_case(request, scope, case, resolve=form, status=400)
            followup_resolve(followup=case, actor=actor, **form.cleaned_data)
        elif action == "reply":
            form = ReplyForm(request.POST)
            if not form.is_valid():
                return _render_case(request, scope, case, reply=form, status=400)
            followup_reply(followup=case, actor=actor, **form.cleaned_data)
        elif action == "close":
            form = CloseForm(request.POST)
            if not form.is_valid():
                return _render_case(request, scope, case, close=form, status=400)
            followup_close(followup=case, actor=actor, reason=form.cleaned_data["reason"])
        elif action == "reassign":
            owner_id = request.POST.get("owner", "")
            owner = scope.employees().filter(pk=owner_id).first() if owner_id.isdecimal() else None
            if owner_id and owner is None:
                raise ValidationError(_("Choose someone you can see."))
            followup_reassign(followup=case, actor=actor, owner=owner)
        elif action == "unit":
            _route(scope, case, request.POST.get("unit", ""))
        else:
            raise Http404
    except ValidationError as error:
        return _render_case(request, scope, case, error=" ".join(error.messages), status=400)
    messages.success(request, DONE[action])
    return redirect(case.get_absolute_url())


def _route(scope, case: FollowUp, unit_id: str) -> None:
    """A CX lead sends a complaint to the unit it is about (anyone else: not found)."""
    complaint = complaint_of(case)
    if complaint is None or not scope.can_route_complaints:
        raise Http404
    unit = routable_units().filter(pk=unit_id).first() if unit_id.isdecimal() and len(unit_id) < 10 else None
    if unit is None:
        raise ValidationError(_("Choose a store or team."))
    complaint_route(complaint=complaint, unit=unit, actor=scope.employee)


def followup_recovery(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's answer after a case was resolved: is the issue solved? (no login; a page with two
    buttons, so that mail scanners following the link answer nothing)."""
    case = recovery_case(token)
    if case is None:
        raise Http404
    customer = case.response.customer
    language = customer.language if customer else case.response.language
    with translation.override(language):
        if request.method == "POST" and request.POST.get("solved") in ("yes", "no"):
            followup_record_recovery(token=token, solved=request.POST["solved"] == "yes")
            return render(request, "surveys/recovery_thanks.html", {"language": language})
        return render(request, "surveys/recovery.html", {"language": language})
