"""Hosted survey pages: public links and personal invitations, page by page, without a login."""

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cxprogram import ratelimit
from surveys.display_logic import Answers, condition_met
from surveys.forms.page_state import (
    ANSWERED_COOKIE,
    answered_salt,
    human_token,
    state_dumps,
    state_key,
    state_loads,
    state_new,
)
from surveys.forms.responses import SurveyPageForm, field_name, is_contact_me, page_fields
from surveys.links import ResponseContext, context_from_token, context_of_invitation
from surveys.models import Invitation, Question, Response, Survey
from surveys.scoring import score_band
from surveys.selectors.distribution import invitation_by_token, invitation_submission
from surveys.selectors.surveys import HostedSurvey, hosted_survey
from surveys.services.distribution import invitation_mark_opened
from surveys.services.responses import AlreadyReceived, AlreadyResponded, response_submit
from surveys.views.notices import LANGUAGES, customer_language, notice
from surveys.views.question_blocks import blank_page, blank_rows, question_html, question_rows

CONFIRM_ERROR = gettext_lazy(
    "We could not tell that a person sent these answers. Please tick the box to confirm that you are "
    "sending them yourself."
)


def survey_public(request: HttpRequest, public_id: str) -> HttpResponse:
    hosted = hosted_survey(public_id=public_id)
    if hosted is None:
        return notice(request, "unavailable", status=404)
    survey = hosted.survey
    preview = request.GET.get("preview") == "1" and request.user.has_perm("surveys.change_survey")
    if survey.status != Survey.Status.LIVE and not preview:
        return notice(request, survey.status, survey=survey, status=410 if survey.status == "closed" else 404)
    if request.method == "POST" and not preview:
        key = f"survey-submit:{survey.pk}:{ratelimit.client_address(request)}"
        if ratelimit.hit(key, settings.SURVEY_SUBMIT_WINDOW_SECONDS) > settings.SURVEY_SUBMIT_LIMIT:
            return notice(request, "flood", survey=survey, status=429)
    ctx = request.POST.get("ctx") or request.GET.get("ctx", "")
    flow = SurveyFlow(
        request,
        hosted,
        language=customer_language(request, survey.default_language),
        context=context_from_token(survey=survey, token=ctx),
        source=Response.Source.PUBLIC_LINK,
        preview=preview,
        ctx=ctx,
    )
    return flow.run()


def survey_invitation(request: HttpRequest, token: str) -> HttpResponse:
    miss_key = f"invitation-miss:{ratelimit.client_address(request)}"
    # Counted before the lookup and given back when the token is good, so concurrent guesses cannot all pass a
    # check made against the old count.
    if ratelimit.hit(miss_key, 3600) > settings.INVITATION_MISS_LIMIT:
        return notice(request, "flood", status=429)
    token = token[:64]
    invitation = invitation_by_token(token=token)
    hosted = hosted_survey(survey_id=invitation.survey_id) if invitation else None
    if invitation is None and _answered_here(request, token):
        ratelimit.release(miss_key)
        return notice(request, "received", status=200 if request.method == "GET" else 409)
    if invitation is None or hosted is None:
        return notice(request, "link_used", status=404)
    survey = hosted.survey
    ratelimit.release(miss_key)
    if survey.status != Survey.Status.LIVE:
        return notice(request, survey.status, survey=survey, status=410 if survey.status == "closed" else 404)
    if request.method == "GET":
        invitation_mark_opened(invitation=invitation)
    customer = invitation.customer
    fallback = invitation.language or (customer.language if customer else "")
    flow = SurveyFlow(
        request,
        hosted,
        language=customer_language(request, survey.default_language, fallback=fallback),
        context=context_of_invitation(invitation),
        source=Response.Source.INVITATION,
        invitation=invitation,
        customer=customer,
    )
    return flow.run()


def _answered_here(request: HttpRequest, token: str) -> bool:
    """Whether this browser sent the answers to this (answered) invitation: it holds the signed cookie set on the
    thank-you redirect, or it posts the very page state that was saved. Anyone else (a guesser, a forwarded
    e-mail) gets the same page for a used token as for an unknown one."""
    if request.get_signed_cookie(ANSWERED_COOKIE, default=None, salt=answered_salt(token)) == "1":
        return True
    if request.method != "POST":
        return False
    saved = invitation_submission(token=token)
    return saved is not None and state_key(request.POST.get("state", ""), public_id=saved.public_id) == saved.key


def survey_thanks(request: HttpRequest, public_id: str, band: str) -> HttpResponse:
    survey = Survey.objects.filter(public_id=public_id).first()
    if survey is None or band not in ("happy", "unhappy", "neutral"):
        return notice(request, "unavailable", status=404)
    language = customer_language(request, survey.default_language)
    with translation.override(language):
        text = ""
        if band != "neutral":
            text = survey.localized(f"thank_you_{band}", language)
        text = text or survey.localized("thank_you", language) or _("Thank you! Your answers help us get better.")
        return render(
            request,
            "surveys/thanks.html",
            {"survey": survey, "title": survey.localized("title", language), "text": text, "language": language},
        )


class SurveyFlow:
    """One request through a survey: show a page, validate it, move on, and save on the last page.

    Answers of earlier pages travel in a signed hidden field, so nothing is stored before the end."""

    def __init__(
        self,
        request,
        hosted: HostedSurvey,
        *,
        language: str,
        context: ResponseContext,
        source: str,
        invitation: Invitation | None = None,
        customer=None,
        preview: bool = False,
        ctx: str = "",
    ):
        self.request = request
        self.hosted = hosted
        self.definition = hosted.definition
        self.memo = hosted.definition.memo  # what this version of the survey always looks like, kept with it
        self.survey = hosted.survey
        self.questions: list[Question] = list(self.definition.questions)
        self.pages = self.definition.pages
        self.language = language
        self.context = context
        self.source = source
        self.invitation = invitation
        self.customer = customer
        self.preview = preview
        self.ctx = ctx

    def run(self) -> HttpResponse:
        post = self.request.POST if self.request.method == "POST" else None
        if post and post.get("lang") in LANGUAGES:
            self.language = post["lang"]
        with translation.override(self.language):
            if post is None:
                return self.render_page(self.pages[0], state_new())
            try:
                state, current = state_loads(post.get("state", ""), public_id=self.survey.public_id)
                answers = state["a"]
                if current not in self.pages:  # the author moved or removed the page since it was shown
                    raise ValueError(current)
            except signing.SignatureExpired:
                return notice(self.request, "expired", survey=self.survey, status=400, restart=self.restart_url())
            except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
                return notice(self.request, "expired", survey=self.survey, status=400, restart=self.restart_url())
            if post.get("switch_language") in LANGUAGES:
                self.language = post["switch_language"]
                with translation.override(self.language):
                    return self.render_page(current, state, form=self.form(current, state, data=post), errors=False)
            form = self.form(current, state, data=post)
            touched = constant_time_compare(post.get("human", ""), human_token(state["n"]))
            if form.is_bot and not touched:  # the honeypot, and no person touched the page: a quiet "thank you"
                return redirect(self.thanks_url("neutral"))
            if "back" in post:
                self.keep_valid_answers(current, state, form)
                return self.render_page(self.previous_page(current, state["a"]), state)
            if not form.is_valid():
                return self.render_page(current, state, form=form, status=400)
            page_ids = {q.pk for q in self.page_questions(current)}
            state["a"] = answers = {k: v for k, v in answers.items() if k not in page_ids} | form.answers()
            if form.contact_question is not None:
                state["c"] = form.contact()
            following = self.next_page(current, answers)
            if following is not None:
                return self.render_page(following, state)
            if self.needs_confirmation(post, state, touched=touched, honeypot=form.is_bot):
                return self.render_page(current, state, form=form, status=400, confirm=True)
            if self.preview:
                return self.render_page(current, state, form=form, message=_("Preview: the answers were not saved."))
            return self.save(state)

    def save(self, state: dict) -> HttpResponse:
        try:
            response_submit(
                survey=self.survey,
                questions=self.questions,
                answers=state["a"],
                language=self.language,
                source=self.source,
                started_at=datetime.fromtimestamp(state["t"], tz=UTC),
                invitation=self.invitation,
                customer=self.customer,
                context=self.context,
                submission_key=state["n"],
                contact_details=state["c"] if self.asks_contact else "",
                webhooks=self.hosted.webhooks,
            )
        except AlreadyReceived:
            return notice(self.request, "received", survey=self.survey, status=409)
        except AlreadyResponded:
            return notice(self.request, "link_used", status=404)
        response = redirect(self.thanks_url(score_band(self.questions, state["a"])))
        if self.invitation is not None:
            token = self.invitation.token
            response.set_signed_cookie(
                ANSWERED_COOKIE, "1", salt=answered_salt(token), max_age=settings.SURVEY_ANSWERED_COOKIE_AGE,
                path=reverse("survey-invitation", args=[token]), secure=settings.SESSION_COOKIE_SECURE,
                httponly=True, samesite="Lax",
            )  # fmt: skip
        return response

    @property
    def asks_contact(self) -> bool:
        """Only a customer nobody knows is asked how to be contacted; anonymous surveys never ask."""
        return self.customer is None and self.invitation is None and not self.survey.anonymous

    def needs_confirmation(self, post, state: dict, *, touched: bool, honeypot: bool) -> bool:
        """Whether to ask for the marked "tick to confirm" box instead of saving: the honeypot was filled on a page a
        person touched (a browser's autofill, say), or the answers came faster than SURVEY_MIN_FILL_SECONDS from a
        page survey.js never saw touched. The clock alone never refuses a fast person with a browser."""
        if post.get("confirm_send") == "1":
            return False
        too_fast = time.time() - state["t"] < settings.SURVEY_MIN_FILL_SECONDS
        return honeypot or (too_fast and not touched)

    def keep_valid_answers(self, page: int, state: dict, form: SurveyPageForm) -> None:
        """Back: keep what was answered validly on the current page, so nothing typed is lost."""
        form.is_valid()
        page_ids = {q.pk for q in self.page_questions(page)}
        kept = {
            q.pk: value
            for q in self.page_questions(page)
            if (value := form.cleaned_data.get(field_name(q))) not in (None, "", [])
        }
        state["a"] = {k: v for k, v in state["a"].items() if k not in page_ids} | kept
        if form.contact_question is not None and "contact" not in form.errors:
            state["c"] = form.cleaned_data.get("contact", "")

    def restart_url(self) -> str:
        return self.request.get_full_path()

    def page_questions(self, page: int) -> list[Question]:
        key = ("questions", page)
        if key not in self.memo:
            self.memo[key] = [q for q in self.questions if q.page == page]
        return self.memo[key]

    def shown_on(self, page: int, answers: Answers) -> list[Question]:
        """Questions of the page that can be shown: conditions on earlier pages are decided already, and a
        question whose condition is on this page is shown while its source is (the browser decides the rest)."""
        page_ids = {q.pk for q in self.page_questions(page)}
        shown: list[Question] = []
        for question in self.page_questions(page):
            source = question.show_if_question_id
            if source in page_ids:
                visible = any(q.pk == source for q in shown)
            else:
                visible = not source or condition_met(question, answers)
            if visible:
                shown.append(question)
        return shown

    def next_page(self, current: int, answers: Answers) -> int | None:
        return next((p for p in self.pages if p > current and self.shown_on(p, answers)), None)

    def previous_page(self, current: int, answers: Answers) -> int:
        return next((p for p in reversed(self.pages) if p < current and self.shown_on(p, answers)), self.pages[0])

    def form(self, page: int, state: dict, data=None) -> SurveyPageForm:
        answers = state["a"]
        earlier = {k: v for k, v in answers.items() if k not in {q.pk for q in self.page_questions(page)}}
        initial = {field_name(q): answers[q.pk] for q in self.page_questions(page) if q.pk in answers}
        initial["contact"] = state.get("c", "")
        key = ("fields", page, self.language)
        if key not in self.memo:  # the fields are the same for every visitor of this version (and never changed)
            self.memo[key] = page_fields(self.page_questions(page), self.language)
        return SurveyPageForm(
            data,
            initial=initial,
            questions=self.page_questions(page),
            earlier=earlier,
            language=self.language,
            ask_contact=self.asks_contact,
            fields=self.memo[key],
        )

    def render_page(
        self, page, state, *, form=None, status=200, message="", errors=True, confirm=False
    ) -> HttpResponse:
        token = state_dumps(state, page=page, public_id=self.survey.public_id)
        if form is None and not state["a"] and not state.get("c") and status == 200 and not (message or confirm):
            # The common first view: every visitor gets the same page but for the tokens, made once per version.
            return blank_page(self, page, token=token, human=human_token(state["n"]))
        context = self.page_context(page, state, form=form, message=message, errors=errors, confirm=confirm)
        context |= {"state": token, "human": human_token(state["n"]), "action": self.request.get_full_path()}
        return render(self.request, "surveys/page.html", context, status=status)

    def page_context(self, page, state, *, form=None, message="", errors=True, confirm=False) -> dict:
        """The page template's context but the per-visitor tokens (state, human, action, CSRF)."""
        shown = {q.pk for q in self.shown_on(page, state["a"])}
        untouched = form is None and not any(q.pk in state["a"] for q in self.page_questions(page))
        if untouched:  # every visitor gets the same question markup
            rows = blank_rows(self, page, shown)
        else:
            form = form or self.form(page, state)
            rows = [row for row in question_rows(form, self.language, errors) if row["question"].pk in shown]
            for row in rows:
                row["html"] = question_html(self.definition, row, self.language)
        error_rows = [row for row in rows if row["errors"]]
        if self.asks_contact:
            error_rows += self.attach_contact(rows, form, state, errors)
        if confirm:
            error_rows.append({"id": "id_confirm_send", "text": _("Send your answers"), "errors": [CONFIRM_ERROR]})
        position = self.pages.index(page) + 1
        return {
            "survey": self.survey,
            "language": self.language,
            "languages": settings.LANGUAGES,
            "title": self.survey.localized("title", self.language),
            "intro": self.survey.localized("intro", self.language) if position == 1 else "",
            "rows": rows,
            "error_rows": error_rows,
            "confirm": confirm,
            "confirm_error": CONFIRM_ERROR,
            "ctx": self.ctx,
            "page_number": position,
            "page_count": len(self.pages),
            "is_last": self.next_page(page, state["a"]) is None,
            "message": message,
            "preview": self.preview,
        }

    def attach_contact(self, rows: list[dict], form, state: dict, errors: bool) -> list[dict]:
        """Put the "how to contact you" field after the contact-me question; returns its error row, if any."""
        row = next((r for r in rows if is_contact_me(r["question"])), None)
        if row is None:
            return []
        bound = form is not None and form.is_bound and "contact" in form.fields
        value = form["contact"].value() if bound else state.get("c", "")
        problems = list(form.errors.get("contact", [])) if bound and errors else []
        contact = {"field": f"q{row['question'].pk}", "value": value or "", "errors": problems}
        row["html"] += render_to_string("surveys/_contact.html", {"contact": contact})
        return [{"id": "id_contact", "text": _("How to contact you"), "errors": problems}] if problems else []

    def thanks_url(self, band: str) -> str:
        return reverse("survey-thanks", args=[self.survey.public_id, band]) + f"?lang={self.language}"
