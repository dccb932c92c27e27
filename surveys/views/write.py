"""The "write to us" form of the hosted pages: a customer's message becomes a complaint case in the same queue and
SLA machinery (channel "web"), routed by the unit a signed link or the customer names; a replayed form makes one
case; the thank-you page says by when they will hear back."""

import secrets

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from cxprogram import ratelimit
from cxprogram.models import Channel
from surveys.forms.write import WriteForm
from surveys.links import unit_from_write_token
from surveys.models import FollowUp
from surveys.selectors.complaints import routable_units
from surveys.services.complaints import Incoming, complaint_receive
from surveys.views.notices import customer_language

FORM_SALT = "surveys.write.form"
THANKS_SALT = "surveys.write.thanks"
NO_CASE = "-"  # the honeypot's thank-you: no case behind it
FORM_MAX_AGE = 24 * 3600  # a form left open overnight still sends


def write_to_us(request: HttpRequest) -> HttpResponse:
    """GET: the form (with ?ctx= a unit's signed link, ?lang= the language); POST: one complaint case."""
    language = customer_language(request, "ru")
    ctx = request.POST.get("ctx") or request.GET.get("ctx", "")
    unit = unit_from_write_token(ctx)
    with translation.override(language):
        if request.method != "POST":
            form = WriteForm(units=routable_units(), initial={"contact_by": "phone"})
            return _page(request, form, language=language, unit=unit, ctx=ctx)
        key = f"write:{ratelimit.client_address(request)}"
        if ratelimit.hit(key, settings.SURVEY_SUBMIT_WINDOW_SECONDS) > settings.SURVEY_SUBMIT_LIMIT:
            form = WriteForm(request.POST, units=routable_units())
            message = _("We received many messages from your network just now. Please try again later.")
            return _page(request, form, language=language, unit=unit, ctx=ctx, message=message, status=429)
        form = WriteForm(request.POST, units=routable_units())
        try:
            nonce = signing.loads(request.POST.get("form_token", ""), salt=FORM_SALT, max_age=FORM_MAX_AGE)
        except signing.BadSignature:
            message = _("This form has expired and nothing was sent. Please press “Send” again.")
            return _page(request, form, language=language, unit=unit, ctx=ctx, message=message, status=400)
        if form.is_bot:  # the honeypot: a quiet thank-you, no case
            return redirect(f"{reverse('write-thanks', args=[NO_CASE])}?lang={language}")
        if not form.is_valid():
            return _page(request, form, language=language, unit=unit, ctx=ctx, status=400)
        data = form.cleaned_data
        complaint, _created = complaint_receive(
            incoming=Incoming(
                message_id=f"form:{nonce}",  # the same form sent twice (a double tap, a replay) opens one case
                channel=Channel.WEB,
                text=data["text"],
                author_handle=data["name"],
                unit=unit or data["unit"],
                language=language,
                contact_details=form.contact_details(),
            )
        )
        # Signed without a timestamp: the same case always gets the same link, whichever second it was sent in
        thanks = {"f": complaint.followup_id, "c": data["contact_by"] != "none"}
        token = signing.Signer(salt=THANKS_SALT).sign_object(thanks)
        return redirect(f"{reverse('write-thanks', args=[token])}?lang={language}")


def _page(request, form, *, language, unit, ctx, message="", status=200) -> HttpResponse:
    token = signing.dumps(secrets.token_urlsafe(12), salt=FORM_SALT)
    errors = [(name, form.errors[name]) for name in form.fields if name in form.errors]
    return render(
        request,
        "surveys/write.html",
        {
            "form": form,
            "form_token": token,
            "language": language,
            "languages": settings.LANGUAGES,
            "unit": unit,
            "ctx": ctx,
            "units": None if unit else form.fields["unit"].queryset,
            "message": message,
            "error_list": errors,
            "heading": _("Write to us"),
        },
        status=status,
    )


def write_thanks(request: HttpRequest, token: str) -> HttpResponse:
    """Thank you, and by when the customer will hear back (the case's first-contact deadline)."""
    language = customer_language(request, "ru")
    due, wants_contact = None, False
    if token != NO_CASE:
        try:
            data = signing.Signer(salt=THANKS_SALT).unsign_object(token)
        except signing.BadSignature as error:
            raise Http404 from error
        if not isinstance(data, dict) or not isinstance(data.get("f"), int):
            raise Http404
        due = FollowUp.objects.filter(pk=data["f"]).values_list("due_at", flat=True).first()
        wants_contact = bool(data.get("c"))
    with translation.override(language):
        return render(
            request,
            "surveys/write_thanks.html",
            {"language": language, "due": due, "wants_contact": wants_contact, "heading": _("Thank you!")},
        )
