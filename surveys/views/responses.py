"""Hosted survey pages: public links and personal invitations, page by page, without a login."""

import hashlib
import secrets
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.csrf import csrf_exempt

from cxprogram import ratelimit
from surveys.display_logic import Answers, condition_met
from surveys.forms.responses import SurveyPageForm, field_name, is_contact_me
from surveys.models import Invitation, Question, Response, Survey
from surveys.selectors.results import (
    context_from_token,
    context_of_invitation,
    invitation_by_token,
    score_band,
    survey_with_questions,
)
from surveys.services.distribution import customer_unsubscribe, unsubscribe_customer
from surveys.services.responses import AlreadyReceived, AlreadyResponded, ResponseContext, response_submit

STATE_SALT = "surveys.state"
ANSWERED_COOKIE = "cx_answered"
ANSWERED_SALT = "surveys.answered"
DEFAULT_SURVEY_LANGUAGE = Survey._meta.get_field("default_language").default
LANGUAGES = dict(settings.LANGUAGES)
CONFIRM_ERROR = gettext_lazy(
    "Your answers arrived very quickly. Please tick the box to confirm that you are sending them yourself."
)


def survey_public(request: HttpRequest, public_id: str) -> HttpResponse:
    survey = survey_with_questions(public_id=public_id)
    if survey is None:
        return _notice(request, "unavailable", status=404)
    preview = request.GET.get("preview") == "1" and request.user.has_perm("surveys.change_survey")
    if survey.status != Survey.Status.LIVE and not preview:
        return _notice(request, survey.status, survey=survey, status=410 if survey.status == "closed" else 404)
    if request.method == "POST" and not preview:
        key = f"survey-submit:{survey.pk}:{ratelimit.client_address(request)}"
        if ratelimit.hit(key, settings.SURVEY_SUBMIT_WINDOW_SECONDS) > settings.SURVEY_SUBMIT_LIMIT:
            return _notice(request, "flood", survey=survey, status=429)
    ctx = request.POST.get("ctx") or request.GET.get("ctx", "")
    flow = SurveyFlow(
        request,
        survey,
        language=_language(request, survey.default_language),
        context=context_from_token(survey=survey, token=ctx),
        source=Response.Source.PUBLIC_LINK,
        preview=preview,
        ctx=ctx,
    )
    return flow.run()


def survey_invitation(request: HttpRequest, token: str) -> HttpResponse:
    miss_key = f"invitation-miss:{ratelimit.client_address(request)}"
    if ratelimit.count(miss_key) >= settings.INVITATION_MISS_LIMIT:
        return _notice(request, "flood", status=429)
    token = token[:64]
    invitation = invitation_by_token(token=token)
    survey = survey_with_questions(public_id=invitation.survey.public_id) if invitation else None
    if invitation is None and _answered_here(request, token):
        return _notice(request, "received", status=200 if request.method == "GET" else 409)
    if invitation is None or survey is None:
        ratelimit.hit(miss_key, 3600)
        return _notice(request, "link_used", status=404)
    if survey.status != Survey.Status.LIVE:
        return _notice(request, survey.status, survey=survey, status=410 if survey.status == "closed" else 404)
    if request.method == "GET" and invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=timezone.now())
    customer = invitation.customer
    fallback = invitation.language or (customer.language if customer else "")
    flow = SurveyFlow(
        request,
        survey,
        language=_language(request, survey.default_language, fallback=fallback),
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
    if request.get_signed_cookie(ANSWERED_COOKIE, default=None, salt=f"{ANSWERED_SALT}:{token}") == "1":
        return True
    if request.method != "POST":
        return False
    saved = Response.objects.filter(invitation__token=token).values_list("submission_key", "survey__public_id").first()
    return saved is not None and saved[0] is not None and state_key(request.POST.get("state", ""), saved[1]) == saved[0]


def state_key(raw: str, public_id: str) -> str | None:
    """The submission key of a signed page state of this survey, or None when the state is not valid."""
    try:
        state = signing.loads(raw, salt=f"{STATE_SALT}:{public_id}", max_age=settings.SURVEY_STATE_MAX_AGE)
    except signing.BadSignature:
        return None
    return _key_of(state, raw)


def _key_of(state: dict, raw: str) -> str:
    # States signed before keys existed get one from their own signature, so replaying them is refused too.
    return str(state.get("n") or hashlib.sha256(raw.encode()).hexdigest()[:24])


def human_token(key: str) -> str:
    """The value survey.js puts in the page once a person touches it: a sign of a browser, not proof."""
    return salted_hmac("surveys.human", key).hexdigest()[:20]


def survey_thanks(request: HttpRequest, public_id: str, band: str) -> HttpResponse:
    survey = Survey.objects.filter(public_id=public_id).first()
    if survey is None or band not in ("happy", "unhappy", "neutral"):
        return _notice(request, "unavailable", status=404)
    language = _language(request, survey.default_language)
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
        survey: Survey,
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
        self.survey = survey
        self.questions: list[Question] = list(survey.questions.all())
        self.pages = sorted({q.page for q in self.questions}) or [1]
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
                return self.render_page(self.pages[0], {"a": {}, "t": time.time(), "n": secrets.token_urlsafe(12)})
            raw = post.get("state", "")
            try:
                loaded = signing.loads(
                    raw, salt=f"{STATE_SALT}:{self.survey.public_id}", max_age=settings.SURVEY_STATE_MAX_AGE
                )
                answers = {int(k): v for k, v in loaded["a"].items()}
                started, current = float(loaded["t"]), int(loaded["p"])
                state = {"a": answers, "t": started, "n": _key_of(loaded, raw), "c": str(loaded.get("c", ""))}
                if current not in self.pages:  # the author moved or removed the page since it was shown
                    raise ValueError(current)
            except signing.SignatureExpired:
                return _notice(self.request, "expired", survey=self.survey, status=400, restart=self.restart_url())
            except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
                return _notice(self.request, "expired", survey=self.survey, status=400, restart=self.restart_url())
            if post.get("switch_language") in LANGUAGES:
                self.language = post["switch_language"]
                with translation.override(self.language):
                    return self.render_page(current, state, form=self.form(current, state, data=post), errors=False)
            form = self.form(current, state, data=post)
            if form.is_bot:
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
            if self.unconfirmed_haste(post, state):
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
            )
        except AlreadyReceived:
            return _notice(self.request, "received", survey=self.survey, status=409)
        except AlreadyResponded:
            return _notice(self.request, "link_used", status=404)
        response = redirect(self.thanks_url(score_band(self.questions, state["a"])))
        if self.invitation is not None:
            token = self.invitation.token
            response.set_signed_cookie(
                ANSWERED_COOKIE, "1", salt=f"{ANSWERED_SALT}:{token}", max_age=settings.SURVEY_ANSWERED_COOKIE_AGE,
                path=reverse("survey-invitation", args=[token]), secure=settings.SESSION_COOKIE_SECURE,
                httponly=True, samesite="Lax",
            )  # fmt: skip
        return response

    @property
    def asks_contact(self) -> bool:
        """Only a customer nobody knows is asked how to be contacted; anonymous surveys never ask."""
        return self.customer is None and self.invitation is None and not self.survey.anonymous

    def unconfirmed_haste(self, post, state: dict) -> bool:
        """Sent faster than SURVEY_MIN_FILL_SECONDS by a page that no person touched (survey.js did not set the
        token) and not confirmed with the box: the clock alone never refuses a fast person with a browser."""
        if time.time() - state["t"] >= settings.SURVEY_MIN_FILL_SECONDS:
            return False
        touched = constant_time_compare(post.get("human", ""), human_token(state["n"]))
        return not touched and post.get("confirm_send") != "1"

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
        return [q for q in self.questions if q.page == page]

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
        return SurveyPageForm(
            data,
            initial=initial,
            questions=self.page_questions(page),
            earlier=earlier,
            language=self.language,
            ask_contact=self.asks_contact,
        )

    def render_page(
        self, page, state, *, form=None, status=200, message="", errors=True, confirm=False
    ) -> HttpResponse:
        token = signing.dumps({**state, "p": page}, salt=f"{STATE_SALT}:{self.survey.public_id}", compress=True)
        shown = {q.pk for q in self.shown_on(page, state["a"])}
        untouched = form is None and not any(q.pk in state["a"] for q in self.page_questions(page))
        if untouched:  # the common first view: every visitor gets the same question markup
            rows = self.blank_rows(page, shown)
        else:
            form = form or self.form(page, state)
            rows = [row for row in question_rows(form, self.language, errors) if row["question"].pk in shown]
            for row in rows:
                row["html"] = question_html(self.survey, row, self.language)
        error_rows = [row for row in rows if row["errors"]]
        if self.asks_contact:
            error_rows += self.attach_contact(rows, form, state, errors)
        if confirm:
            error_rows.append({"id": "id_confirm_send", "text": _("Send your answers"), "errors": [CONFIRM_ERROR]})
        position = self.pages.index(page) + 1
        context = {
            "survey": self.survey,
            "language": self.language,
            "languages": settings.LANGUAGES,
            "title": self.survey.localized("title", self.language),
            "intro": self.survey.localized("intro", self.language) if position == 1 else "",
            "rows": rows,
            "error_rows": error_rows,
            "state": token,
            "human": human_token(state["n"]),
            "confirm": confirm,
            "ctx": self.ctx,
            "page_number": position,
            "page_count": len(self.pages),
            "is_last": self.next_page(page, state["a"]) is None,
            "message": message,
            "preview": self.preview,
            "action": self.request.get_full_path(),
        }
        return render(self.request, "surveys/page.html", context, status=status)

    def attach_contact(self, rows: list[dict], form, state: dict, errors: bool) -> list[dict]:
        """Put the "how to contact you" field after the contact-me question; returns its error row, if any."""
        row = next((r for r in rows if is_contact_me(r["question"])), None)
        if row is None:
            return []
        bound = form is not None and form.is_bound and "contact" in form.fields
        value = form["contact"].value() if bound else state.get("c", "")
        problems = list(form.errors.get("contact", [])) if bound and errors else []
        row["contact"] = {"field": f"q{row['question'].pk}", "value": value or "", "errors": problems}
        return [{"id": "id_contact", "text": _("How to contact you"), "errors": problems}] if problems else []

    def blank_rows(self, page: int, shown: set[int]) -> list[dict]:
        questions = [q for q in self.page_questions(page) if q.pk in shown]
        html = {q.pk: _BLOCKS.get((self.survey.pk, self.survey.updated_at, self.language, q.pk)) for q in questions}
        if None in html.values():
            rows = question_rows(self.form(page, {"a": {}}), self.language)
            html = {row["question"].pk: question_html(self.survey, row, self.language) for row in rows}
        return [{"question": q, "errors": [], "html": html[q.pk]} for q in questions]

    def thanks_url(self, band: str) -> str:
        return reverse("survey-thanks", args=[self.survey.public_id, band]) + f"?lang={self.language}"


_BLOCKS: dict[tuple, str] = {}


def question_html(survey: Survey, row: dict, language: str) -> str:
    """A question's markup; an unanswered question's markup is the same for every visitor, so it is reused
    (per process) while the survey's definition is unchanged."""
    if row["values"] or row["errors"] or row["text_value"]:
        return render_to_string("surveys/_question.html", {"row": row})
    key = (survey.pk, survey.updated_at, language, row["question"].pk)
    html = _BLOCKS.get(key)
    if html is None:
        if len(_BLOCKS) > 5000:
            _BLOCKS.clear()
        html = _BLOCKS[key] = render_to_string("surveys/_question.html", {"row": row})
    return html


def question_rows(form: SurveyPageForm, language: str, show_errors: bool = True) -> list[dict]:
    """What the template needs for each question, in the customer's language."""
    rows = []
    for question in form.questions:
        name = field_name(question)
        bound = form[name]
        value = bound.value()
        values = (
            {str(v) for v in value} if isinstance(value, list) else {str(value)} if value not in (None, "") else set()
        )
        options = []
        if question.scale is not None and question.type != Question.Type.YES_NO:
            low, high = question.scale
            options = [(str(n), str(n)) for n in range(low, high + 1)]
        elif question.type == Question.Type.YES_NO:
            options = [("1", _("Yes")), ("0", _("No"))]
        elif question.type in Question.CHOICE_TYPES:
            options = [(str(c.pk), c.localized("text", language)) for c in question.choices.all()]
        condition = None
        if question.show_if_question_id:
            condition = {
                "field": f"q{question.show_if_question_id}",
                "op": question.show_if_operator,
                "value": question.show_if_value if question.show_if_value is not None else "",
                "choice": question.show_if_choice_id or "",
            }
        rows.append(
            {
                "question": question,
                "name": name,
                "id": f"id_{name}",
                "text": question.localized("text", language),
                "help": question.localized("help", language),
                "low_label": question.localized("low_label", language),
                "high_label": question.localized("high_label", language),
                "options": options,
                "values": values,
                "text_value": value if question.type in Question.TEXT_TYPES and value else "",
                "errors": list(bound.errors) if show_errors else [],
                "is_scale": question.scale is not None and question.type != Question.Type.YES_NO,
                "is_text": question.type in Question.TEXT_TYPES,
                "multiple": question.type == Question.Type.MULTIPLE,
                "long": question.type == Question.Type.LONG_TEXT,
                "condition": condition,
            }
        )
    return rows


def _language(request: HttpRequest, default: str, fallback: str = "") -> str:
    """?lang= first, then the invitation's or customer's language, then the browser's, then the survey's."""
    explicit = request.POST.get("lang") or request.GET.get("lang")
    if explicit in LANGUAGES:
        return explicit
    if fallback in LANGUAGES:
        return fallback
    if request.headers.get("accept-language"):
        return translation.get_language_from_request(request)
    return default


NOTICES = {
    "unavailable": (
        gettext_noop("This link is not available"),
        gettext_noop("This survey link has already been used or is not valid. Thank you for your time."),
    ),
    "draft": (gettext_noop("This survey has not started yet"), gettext_noop("Please come back later.")),
    "closed": (
        gettext_noop("This survey has ended"),
        gettext_noop("Thank you for your interest; we are no longer collecting answers."),
    ),
    "flood": (
        gettext_noop("Too many answers"),
        gettext_noop("We received many answers from your network just now. Please try again later."),
    ),
    "expired": (
        gettext_noop("This page has expired"),
        gettext_noop("Nothing from it was saved. Please start the survey again."),
    ),
    "received": (
        gettext_noop("Your answers were already received"),
        gettext_noop("Thank you! We have your answers to this survey, so there is nothing more to do."),
    ),
    # The same page for a used and for an unknown invitation link, so a link says nothing about its customer.
    "link_used": (
        gettext_noop("Thank you for your time"),
        gettext_noop(
            "This survey link has already been used or is not valid. If you have sent your answers, we have them "
            "and there is nothing more to do."
        ),
    ),
}


def _notice(
    request: HttpRequest, kind: str, *, survey: Survey | None = None, status: int, restart: str = ""
) -> HttpResponse:
    """A polite page in the customer's language for every way a survey link can fail."""
    language = _language(request, survey.default_language if survey else DEFAULT_SURVEY_LANGUAGE)
    with translation.override(language):
        title, text = NOTICES[kind]
        return render(
            request,
            "surveys/notice.html",
            {"heading": _(title), "text": _(text), "language": language, "restart": restart},
            status=status,
        )


@csrf_exempt  # the signed token is the credential; mail clients send one-click POSTs (RFC 8058) without cookies
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for one click; POST opts the customer out of every survey and blocks the address. Both steps speak
    the same language: ?lang= (kept in the form), else the customer's, else the browser's."""
    customer = unsubscribe_customer(token=token)
    if customer is None:
        return _notice(request, "unavailable", status=404)
    language = _language(request, customer.language or DEFAULT_SURVEY_LANGUAGE, fallback=customer.language)
    if request.method == "POST":
        customer_unsubscribe(token=token)
        with translation.override(language):
            return render(request, "surveys/unsubscribed.html", {"language": language})
    with translation.override(language):
        return render(request, "surveys/unsubscribe.html", {"language": language, "token": token})
