"""Public answers to complaints said in public: the case worker drafts one on the case page, a second person
(the unit's manager or a CX lead) approves it or sends it back; the reviewers' queue."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxprogram.selectors import request_scope
from surveys.selectors.complaints import complaint_of
from surveys.selectors.followups import followups_visible
from surveys.selectors.public_answers import may_review, may_review_public_answers, public_answers_awaiting
from surveys.services.public_answers import (
    StaleDraft,
    public_answer_approve,
    public_answer_return,
    public_answer_submit,
)
from surveys.views.followups import _render_case


@login_required
def public_answer_queue(request: HttpRequest) -> HttpResponse:
    """Public answers awaiting review on the cases the reader may review (CX leads and managers)."""
    scope = request_scope(request)
    if not may_review_public_answers(scope):
        raise Http404
    drafts = list(public_answers_awaiting(scope))
    return render(request, "surveys/public_answers.html", {"drafts": drafts, "me": scope.employee})


@login_required
@require_POST
def public_answer_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Draft (submit for review), approve or send back the public answer of case `pk`; a case the reader cannot
    see, or a complaint not said in public, is not found."""
    scope = request_scope(request)
    if not scope.is_member or scope.employee is None:
        raise Http404
    case = get_object_or_404(followups_visible(scope).select_related("response__survey", "response__customer"), pk=pk)
    complaint = complaint_of(case)
    if complaint is None or not complaint.is_public or action not in ("submit", "approve", "return"):
        raise Http404
    version = request.POST.get("version", "")
    version = int(version) if version.isdecimal() and len(version) < 9 else -1
    try:
        if action == "submit":
            public_answer_submit(
                complaint=complaint, author=scope.employee, text=request.POST.get("text", ""), version=version
            )
        elif not may_review(scope, complaint):
            raise PermissionDenied(_("Only a manager of the unit or a CX lead reviews public answers."))
        elif action == "approve":
            public_answer_approve(complaint=complaint, reviewer=scope.employee, version=version)
        else:
            public_answer_return(
                complaint=complaint, reviewer=scope.employee, version=version, note=request.POST.get("note", "")
            )
    except PermissionDenied as error:
        message = " ".join(error.args) if error.args else ""
        return _render_case(request, scope, case, error=message, status=403)
    except StaleDraft as error:
        return _render_case(request, scope, case, error=" ".join(error.messages), status=409)
    except ValidationError as error:
        return _render_case(request, scope, case, error=" ".join(error.messages), status=400)
    return redirect(f"{case.get_absolute_url()}#public-answer")
