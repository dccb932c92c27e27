"""Reads of website feedback: the survey a widget shows, the page address a widget answer is filed under, and the
results per page and per site section, weakest first."""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber

from surveys.display_logic import condition_met
from surveys.models import Answer, Question, Survey, WidgetOrigin, origin_of
from surveys.selectors.metrics import Figure, share_from
from surveys.selectors.surveys import survey_with_questions

PAGE_ADDRESS_MAX = 500
SECTION_MAX = 100
COMMENTS_PER_PAGE = 3
CONTACT_ME_CODE = "contact_me"  # the yes/no question that asks for contact (surveys.services.followups), not "helped"


@dataclass(frozen=True)
class WidgetSurvey:
    """A survey as the website widget asks it: its first yes/no question, then its first text question (the
    "why"), if any."""

    survey: Survey
    questions: list[Question]
    helped: Question
    comment: Question | None

    def comment_shown(self, helped: bool) -> bool:
        """Whether the survey's display logic keeps a comment after this answer (else the widget asks none)."""
        return self.comment is not None and condition_met(self.comment, {self.helped.pk: int(helped)})


def widget_survey(*, public_id: str) -> WidgetSurvey | None:
    """The survey behind a widget's `data-survey`, or None when unknown, anonymous (its answers are read only as
    figures of large groups, never per page with comments) or without a yes/no question to ask."""
    survey = survey_with_questions(public_id=public_id[:32])
    if survey is None or survey.anonymous:
        return None
    questions = list(survey.questions.all())
    helped = next((q for q in questions if q.type == Question.Type.YES_NO and q.code != CONTACT_ME_CODE), None)
    if helped is None:
        return None
    comment = next((q for q in questions if q.type in Question.TEXT_TYPES), None)
    return WidgetSurvey(survey=survey, questions=questions, helped=helped, comment=comment)


def origin_allowed(*, survey: Survey, origin: str) -> bool:
    """Whether the CX lead allows the survey's widget on this origin (the browser's `Origin` header)."""
    normalised = origin_of(origin)
    return bool(normalised) and WidgetOrigin.objects.filter(survey=survey, origin=normalised).exists()


def page_address(url: str) -> str:
    """The page's address as stored: scheme, host and path only. The query string and the fragment are dropped
    (search terms, tokens and e-mail addresses travel there), so is any user name; "" if not an http(s) address."""
    origin = origin_of(url)
    if not origin:
        return ""
    path = urlsplit(url.strip()).path or "/"
    return (origin + path)[:PAGE_ADDRESS_MAX]


def page_section(address: str, given: str = "") -> str:
    """The page's section of the site: what the embedding page names (`data-section`), else the first segment of
    its path; "" for the home page."""
    given = " ".join(given.split())[:SECTION_MAX]
    if given:
        return given
    first = urlsplit(address).path.strip("/").split("/", 1)[0]
    return unquote(first)[:SECTION_MAX]


@dataclass
class PageResult:
    """One page (or section): how many answered, the share who said the page helped, the newest comments."""

    label: str
    section: str
    figure: Figure
    helped: int
    comments: list[Answer] = field(default_factory=list)


@dataclass(frozen=True)
class WebsiteResults:
    pages: list[PageResult]
    sections: list[PageResult]
    answers: int
    min_sample: int


def weakest_first(rows: list[PageResult]) -> list[PageResult]:
    """Pages with enough answers by their share helped, lowest first (more answers first on a tie); then the
    others, most answered first."""
    return sorted(rows, key=lambda r: (not r.figure.enough, r.figure.value or 0, -r.figure.n, r.label))


def website_results(*, survey: Survey, helped: Question, comment: Question | None) -> WebsiteResults:
    """Per page address and per section: n, share "yes" with its 95% Wilson interval (below RESULTS_MIN_SAMPLE
    answers: not enough data), weakest first, and per page its newest comments. Three queries."""
    minimum = settings.RESULTS_MIN_SAMPLE
    answers = Answer.objects.filter(question=helped, response__website_page__isnull=False)
    counts = {"n": Count("pk"), "hits": Count("pk", filter=Q(number=1))}
    page_rows = answers.values(url=F("response__website_page__url"), section=F("response__website_page__section"))
    pages = {
        (row["url"], row["section"]): PageResult(
            label=row["url"], section=row["section"], figure=share_from(row, minimum), helped=row["hits"]
        )
        for row in page_rows.annotate(**counts).order_by()
    }
    section_rows = answers.values(section=F("response__website_page__section")).annotate(**counts).order_by()
    sections = [
        PageResult(label=row["section"], section=row["section"], figure=share_from(row, minimum), helped=row["hits"])
        for row in section_rows
    ]
    if comment is not None and pages:
        for text in newest_comments(survey=survey, helped=helped, comment=comment):
            page = pages.get((text.response.website_page.url, text.response.website_page.section))
            if page is not None:
                page.comments.append(text)
    return WebsiteResults(
        pages=weakest_first(list(pages.values())),
        sections=weakest_first(sections),
        answers=sum(p.figure.n for p in pages.values()),
        min_sample=minimum,
    )


def newest_comments(
    *, survey: Survey, helped: Question, comment: Question, per_page: int = COMMENTS_PER_PAGE
) -> list[Answer]:
    """The newest `per_page` comments of each page, with their response's page and its "helped" answer (`said`:
    1 yes, 0 no)."""
    said = Answer.objects.filter(response=OuterRef("response"), question=helped).values("number")[:1]
    ranked = Window(
        RowNumber(),
        partition_by=[F("response__website_page__url"), F("response__website_page__section")],
        order_by=[F("response__submitted_at").desc(), F("pk").desc()],
    )
    return list(
        Answer.objects.filter(question=comment, response__survey=survey, response__website_page__isnull=False)
        .annotate(rank=ranked, said=Subquery(said))
        .filter(rank__lte=per_page)
        .select_related("response__website_page")
        .order_by("-response__submitted_at", "-pk")
    )
