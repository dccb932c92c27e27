"""The sending page of a distribution (CX leads): whom it reaches and why others are left out, its texts per
language with a preview and a test to oneself, one explicit send or schedule, and repetition."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cxprogram.selectors import request_scope
from surveys.forms.sending import MessageForm, RepeatForm, SendForm
from surveys.messages import message_render
from surveys.models import Distribution, DistributionMessage, DistributionRepeat
from surveys.selectors.audience import audience_breakdown
from surveys.services.sending import (
    distribution_message_save,
    distribution_repeat_set,
    distribution_send,
    distribution_test_send,
)

KINDS = [DistributionMessage.Kind.INVITATION, DistributionMessage.Kind.REMINDER]


def _distribution(request: HttpRequest, pk: int) -> Distribution:
    if not request_scope(request).is_lead:
        raise Http404
    return get_object_or_404(Distribution.objects.select_related("survey"), pk=pk)


def _messages(distribution: Distribution, forms: dict | None = None) -> list[dict]:
    """Per kind, per language: the form (bound when it failed), the saved message and its preview."""
    saved = {(m.kind, m.language): m for m in distribution.messages.all()}
    link = settings.SITE_URL + reverse("survey-public", args=[distribution.survey.public_id])
    rows = []
    for kind in KINDS:
        columns = []
        for language, language_name in settings.LANGUAGES:
            message = saved.get((kind, language))
            form = (forms or {}).get((kind, language)) or MessageForm(
                initial={"subject": message.subject, "body": message.body} if message else None,
                prefix=f"{kind}-{language}",
            )
            preview = message and message_render(
                message=message, name="Анна" if language == "ru" else "Anna", store=_("Your store"), link=link,
                unsubscribe=settings.SITE_URL + "/u/…/",
            )  # fmt: skip
            columns.append({"language": language, "language_name": language_name, "form": form, "preview": preview})
        rows.append({"kind": kind, "label": DistributionMessage.Kind(kind).label, "columns": columns})
    return rows


def _page(request, distribution, *, send_form=None, message_forms=None, status=200) -> HttpResponse:
    repeat = DistributionRepeat.objects.filter(distribution=distribution).first()
    context = {
        "distribution": distribution,
        "audience": audience_breakdown(distribution=distribution, now=timezone.now()),
        "segments": distribution.segments.all(),
        "units": distribution.units.all(),
        "texts": _messages(distribution, message_forms),
        "send_form": send_form or SendForm(),
        "repeat": repeat,
        "repeat_form": RepeatForm(initial={"every_months": repeat.every_months if repeat else 0}),
        "editable": distribution.status in (Distribution.Status.DRAFT, Distribution.Status.SCHEDULED),
    }
    return render(request, "surveys/distribution_send.html", context, status=status)


@login_required
def distribution_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _distribution(request, pk))


@login_required
@require_POST
def distribution_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One form of the sending page: save a text, send a test, send or schedule, set the repetition."""
    distribution = _distribution(request, pk)
    kind, language = request.POST.get("kind", ""), request.POST.get("language", "")
    if action in ("text", "test") and (kind not in KINDS or language not in dict(settings.LANGUAGES)):
        raise Http404
    try:
        if action == "text":
            form = MessageForm(request.POST, prefix=f"{kind}-{language}")
            if not form.is_valid():
                return _page(request, distribution, message_forms={(kind, language): form}, status=400)
            distribution_message_save(distribution=distribution, kind=kind, language=language, **form.cleaned_data)
            messages.success(request, _("The text is saved."))
        elif action == "test":
            message = distribution.messages.filter(kind=kind, language=language).first()
            if message is None:
                raise ValidationError(_("Save a text in this language first; the standard text needs no test."))
            if not request.user.email:
                raise ValidationError(_("Your account has no e-mail address to send a test to."))
            link = settings.SITE_URL + reverse("survey-public", args=[distribution.survey.public_id])
            distribution_test_send(distribution=distribution, message=message, to=request.user.email, link=link)
            messages.success(request, _("A test is on its way to %(email)s.") % {"email": request.user.email})
        elif action == "send":
            form = SendForm(request.POST)
            if not form.is_valid():
                return _page(request, distribution, send_form=form, status=400)
            at = form.cleaned_data["at"] if form.cleaned_data["when"] == "later" else None
            outcome = distribution_send(distribution_id=distribution.pk, at=at)
            if outcome == "scheduled":
                messages.success(
                    request, _("Scheduled for %(at)s.") % {"at": timezone.localtime(at).strftime("%Y-%m-%d %H:%M")}
                )
            else:
                messages.success(request, _("Sending has started; the counts below fill in as e-mails leave."))
        elif action == "repeat":
            form = RepeatForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose how often to repeat it."))
            distribution_repeat_set(distribution=distribution, every_months=form.cleaned_data["every_months"])
            messages.success(request, _("The repetition is saved."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _page(request, distribution, status=400)
    return redirect("distribution-send", pk=distribution.pk)
