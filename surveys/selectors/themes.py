"""Reads of text analytics: themes of a slice with volume, trend, share negative and impact on the score
("what drives detractors"), filters by theme and sentiment, top themes, suggested root causes."""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import get_language

from surveys.models import Answer, CommentAnalysis, Question, Response, Sentiment, Theme, ThemeMention
from surveys.selectors.metrics import Z95, Figure, Slice, answers_in, nps_from, share_from, slice_filter, start_of
from surveys.text.clusters import Cluster, cluster_comments, content_lemmas
from surveys.text.discover import discover
from surveys.text.lemmas import tokens
from surveys.text.match import split_markers
from surveys.text.pii import could_reveal


def theme_roots() -> tuple[dict[int, Theme], dict[int, int]]:
    """Top-level themes by id, and every active theme's id -> its top-level theme's id (one query)."""
    themes = {theme.pk: theme for theme in Theme.objects.filter(active=True)}
    root_of: dict[int, int] = {}
    for pk, theme in themes.items():
        current, seen = theme, set()
        while current.parent_id and current.parent_id in themes and current.pk not in seen:
            seen.add(current.pk)
            current = themes[current.parent_id]
        root_of[pk] = current.pk
    return {pk: themes[pk] for pk in set(root_of.values())}, root_of


def subtree_ids(code: str) -> list[int]:
    """The theme with this code and every theme below it."""
    themes = {t.pk: t for t in Theme.objects.filter(active=True).only("pk", "code", "parent_id")}
    start = next((pk for pk, t in themes.items() if t.code == code), None)
    if start is None:
        return []
    ids, frontier = {start}, [start]
    while frontier:
        frontier = [pk for pk, t in themes.items() if t.parent_id in frontier and pk not in ids]
        ids.update(frontier)
    return sorted(ids)


def theme_choices() -> list[tuple[str, str]]:
    """Active themes as filter choices, each top-level theme followed by the themes below it (one query)."""
    language = (get_language() or "ru")[:2]
    themes = list(Theme.objects.filter(active=True).order_by("code"))
    children: dict[int | None, list[Theme]] = {}
    known = {t.pk for t in themes}
    for theme in themes:
        children.setdefault(theme.parent_id if theme.parent_id in known else None, []).append(theme)
    choices = [("", "—")]

    def walk(parent: int | None, depth: int) -> None:
        for theme in children.get(parent, []):
            choices.append((theme.code, "— " * depth + theme.localized("name", language)))
            walk(theme.pk, depth + 1)

    walk(None, 0)
    return choices


def root_case(root_of: dict[int, int], field_name: str) -> Case:
    whens = {}
    for pk, root in root_of.items():
        whens.setdefault(root, []).append(pk)
    return Case(
        *[When(**{f"{field_name}__in": ids}, then=Value(root)) for root, ids in whens.items()],
        output_field=IntegerField(),
    )


def with_theme(queryset: QuerySet, *, theme: str = "", sentiment: str = "", response_field: str = "pk") -> QuerySet:
    """Responses (or rows pointing at one through `response_field`) whose comments mention the theme (or any
    theme below it) — with that sentiment when given; without a theme, whose comments have that sentiment."""
    if theme:
        mentions = ThemeMention.objects.filter(response_id=OuterRef(response_field), theme_id__in=subtree_ids(theme))
        if sentiment:
            mentions = mentions.filter(sentiment=sentiment)
        return queryset.filter(Exists(mentions))
    if sentiment:
        analyses = CommentAnalysis.objects.filter(response_id=OuterRef(response_field), sentiment=sentiment)
        return queryset.filter(Exists(analyses))
    return queryset


def comments_with_theme(answers: QuerySet[Answer], *, theme: str = "", sentiment: str = "") -> QuerySet[Answer]:
    """Comments mentioning the theme (with that sentiment, when given), or comments of that sentiment."""
    if theme:
        mentions = ThemeMention.objects.filter(analysis_id=OuterRef("pk"), theme_id__in=subtree_ids(theme))
        if sentiment:
            mentions = mentions.filter(sentiment=sentiment)
        return answers.filter(Exists(mentions))
    if sentiment:
        return answers.filter(analysis__sentiment=sentiment)
    return answers


def comments_matching(answers: QuerySet[Answer], search: str, *, personal_data: bool) -> QuerySet[Answer]:
    """Comments containing `search`. Without `personal_data` (all but CX leads read comments masked), a search for
    digits or an @ skips the comments that hold personal data: searching «916 1», «916 12», … would otherwise spell
    out a masked phone one digit at a time."""
    answers = answers.filter(text__unicontains=search)
    if not personal_data and could_reveal(search):
        answers = answers.filter(analysis__has_personal_data=False)
    return answers


@dataclass
class ThemeRow:
    """One top-level theme of a slice."""

    theme: Theme
    responses: int  # responses whose comments mention it
    share: float  # of the responses with an analysed comment, %
    negative: Figure  # share of its mentions that are negative
    with_theme: Figure | None = None  # the score of customers who mention it
    without: Figure | None = None  # ... and of those who do not
    difference: float | None = None  # without − with: how much lower mentioning customers score
    difference_low: float | None = None
    difference_high: float | None = None
    drag: float | None = None  # points the whole score loses to it: share × difference
    trend: list[tuple[date, int, int]] = field(default_factory=list)  # month, responses, negative mentions


@dataclass
class ThemeReport:
    rows: list[ThemeRow]
    metric: str  # "nps" or "csat": what impact is measured on
    question: Question | None
    overall: Figure | None
    commented: int  # responses with an analysed comment
    hidden: int  # themes left out: groups under the anonymity threshold


def _difference(without: dict, with_: dict, metric: str) -> tuple[float, float, float] | None:
    """without − with, in points, with a 95% interval from the two groups' variances."""
    n1, n2 = without["n"], with_["n"]
    if not n1 or not n2:
        return None

    def moments(row: dict, n: int) -> tuple[float, float]:
        if metric == "nps":
            p, d = row["promoters"] / n, row["detractors"] / n
            return 100 * (p - d), 10000 * (p + d - (p - d) ** 2)
        p = row["hits"] / n
        return 100 * p, 10000 * p * (1 - p)

    m1, v1 = moments(without, n1)
    m2, v2 = moments(with_, n2)
    diff = m1 - m2
    margin = Z95 * math.sqrt(v1 / n1 + v2 / n2)
    return diff, diff - margin, diff + margin


def theme_report(*, slice_: Slice) -> ThemeReport:
    """Every top-level theme of the slice's comments, ranked by what it costs the score ("what drives
    detractors"): volume, monthly trend, share negative, and the NPS (or CSAT % satisfied) of customers who
    mention it against those who do not, with n and 95% intervals. Six queries, whatever the data.

    Anonymous surveys: a theme whose mentioning or non-mentioning group is under PULSE_MIN_GROUP is left out,
    so no subtraction reveals a small group."""
    roots, root_of = theme_roots()
    survey = slice_.survey
    question = None
    metric = "nps"
    if survey is not None:
        questions = list(survey.questions.filter(type__in=[Question.Type.NPS, Question.Type.CSAT]))
        question = next((q for q in questions if q.type == Question.Type.NPS), None) or next(iter(questions), None)
        metric = question.type if question else "nps"
    in_slice = slice_filter(slice_, "response__")
    mentions = ThemeMention.objects.filter(in_slice)
    commented = Answer.objects.filter(in_slice, analysis__isnull=False).values("response").distinct().count()
    if not root_of:
        return ThemeReport([], metric, question, None, commented, 0)
    root = root_case(root_of, "theme_id")
    volume = {
        row["root"]: row
        for row in mentions.annotate(root=root)
        .values("root")
        .annotate(
            responses=Count("response", distinct=True),
            mentions=Count("analysis", distinct=True),  # comments mentioning it (sub-themes count once)
            negative=Count("analysis", distinct=True, filter=Q(sentiment=Sentiment.NEGATIVE)),
        )
    }
    trend: dict[int, list] = {}
    for row in (
        mentions.annotate(root=root, month=TruncMonth("response__submitted_at"))
        .values("root", "month")
        .annotate(
            responses=Count("response", distinct=True),
            negative=Count("analysis", distinct=True, filter=Q(sentiment=Sentiment.NEGATIVE)),
        )
        .order_by("month")
    ):
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        trend.setdefault(row["root"], []).append((month, row["responses"], row["negative"]))
    overall_row, by_root = None, {}
    if question is not None:
        if metric == "nps":
            aggregates = {
                "n": Count("response", distinct=True),
                "promoters": Count("response", distinct=True, filter=Q(number__gte=9)),
                "detractors": Count("response", distinct=True, filter=Q(number__lte=6)),
            }
        else:
            aggregates = {
                "n": Count("response", distinct=True),
                "hits": Count("response", distinct=True, filter=Q(number__gte=4)),
            }
        scores = answers_in(slice_, question)
        overall_row = scores.aggregate(**aggregates)
        by_root = {
            row["root"]: row
            for row in scores.filter(response__theme_mentions__theme_id__in=list(root_of))
            .annotate(root=root_case(root_of, "response__theme_mentions__theme_id"))
            .values("root")
            .annotate(**aggregates)
        }
    figure = nps_from if metric == "nps" else share_from
    anonymous = bool(survey and survey.anonymous)
    minimum = settings.PULSE_MIN_GROUP
    rows, hidden = [], 0
    for root_id, counts in volume.items():
        row = ThemeRow(
            theme=roots[root_id],
            responses=counts["responses"],
            share=round(100 * counts["responses"] / commented, 1) if commented else 0.0,
            negative=share_from({"n": counts["mentions"], "hits": counts["negative"]}),
            trend=[] if anonymous else trend.get(root_id, []),  # no dates for anonymous answers
        )
        scored = by_root.get(root_id)
        if overall_row is not None and scored is not None:
            rest = {key: overall_row[key] - scored[key] for key in scored if key != "root"}
            if anonymous and min(scored["n"], rest["n"]) < minimum:
                hidden += 1
                continue
            row.with_theme, row.without = figure(scored), figure(rest)
            diff = _difference(rest, scored, metric)
            if diff is not None and row.with_theme.enough and row.without.enough:
                row.difference, row.difference_low, row.difference_high = (round(v, 1) for v in diff)
                row.drag = round(diff[0] * scored["n"] / overall_row["n"], 1)
        elif anonymous and counts["responses"] < minimum:
            hidden += 1
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r.drag is None, -(r.drag or 0), -r.responses))
    overall = figure(overall_row) if overall_row is not None else None
    return ThemeReport(rows, metric, question, overall, commented, hidden)


def top_themes(responses: QuerySet[Response], limit: int = 3) -> list[tuple[Theme, int, int]]:
    """The most mentioned top-level themes of some responses: (theme, responses, negative mentions)."""
    roots, root_of = theme_roots()
    if not root_of:
        return []
    rows = (
        ThemeMention.objects.filter(response__in=responses)
        .annotate(root=root_case(root_of, "theme_id"))
        .values("root")
        .annotate(
            n=Count("response", distinct=True),
            negative=Count("analysis", distinct=True, filter=Q(sentiment=Sentiment.NEGATIVE)),
        )
        .order_by("-n", "root")[:limit]
    )
    return [(roots[row["root"]], row["n"], row["negative"]) for row in rows]


def top_themes_by(responses: QuerySet[Response], key: str, limit: int = 3) -> dict[str, list[tuple[Theme, int]]]:
    """Top themes per value of a response field (e.g. touchpoint), in one grouped query."""
    roots, root_of = theme_roots()
    if not root_of:
        return {}
    rows = (
        ThemeMention.objects.filter(response__in=responses)
        .annotate(root=root_case(root_of, "theme_id"))
        .values(f"response__{key}", "root")
        .annotate(n=Count("response", distinct=True))
        .order_by(f"response__{key}", "-n", "root")
    )
    result: dict[str, list[tuple[Theme, int]]] = {}
    for row in rows:
        bucket = result.setdefault(row[f"response__{key}"], [])
        if len(bucket) < limit:
            bucket.append((roots[row["root"]], row["n"]))
    return result


def suggested_root_cause(response: Response) -> tuple[str, list[Theme]]:
    """A root cause for a follow-up case from its comments' themes: the cause of the most negatively mentioned
    theme (its own, else its parent's), and the themes behind it. ("", []) when the comments say nothing."""
    mentions = list(
        ThemeMention.objects.filter(response=response).select_related("theme__parent").order_by("score", "start")
    )
    negative = [m for m in mentions if m.sentiment == Sentiment.NEGATIVE] or mentions
    for mention in negative:
        cause = mention.theme.root_cause or (mention.theme.parent.root_cause if mention.theme.parent else "")
        if cause:
            themes = list(dict.fromkeys(m.theme for m in negative))
            return cause, themes
    return "", []


def comment_mentions(answer_ids: list[int]) -> dict[int, list[ThemeMention]]:
    """The theme mentions of some comments, keyed by answer id (one query)."""
    result: dict[int, list[ThemeMention]] = {}
    for mention in ThemeMention.objects.filter(analysis_id__in=answer_ids).select_related("theme").order_by("start"):
        result.setdefault(mention.analysis_id, []).append(mention)
    return result


def discovered_themes(*, slice_: Slice, today: date, weeks: int = 5, limit: int = 20_000) -> list:
    """Frequent phrases of the slice's recent comments (the last `weeks` weeks, newest `limit` comments) that
    no theme covers, with the ones rising this week first; each names the theme it most often appears with."""
    since = today - timedelta(days=7 * weeks)
    answers = list(
        Answer.objects.filter(
            slice_filter(slice_, "response__"),
            question_type__in=list(Question.TEXT_TYPES),
            response__submitted_at__gte=start_of(since),
        )
        .order_by("-pk")
        .values_list("pk", "text", "response__submitted_at")[:limit]
    )
    covered: dict[int, list[tuple[int, int]]] = {}
    themes: dict[int, list[str]] = {}
    for analysis_id, start, end, code in ThemeMention.objects.filter(
        analysis_id__in=[pk for pk, _t, _s in answers]
    ).values_list("analysis_id", "start", "end", "theme__code"):
        covered.setdefault(analysis_id, []).append((start, end))
        themes.setdefault(analysis_id, []).append(code)
    rows = [
        (text, tokens(text), covered.get(pk, []), themes.get(pk, []), (today - submitted.date()).days // 7)
        for pk, text, submitted in answers
    ]
    return discover(rows, min_count=max(5, len(rows) // 500))


def discovered_clusters(*, slice_: Slice, today: date, weeks: int = 5, limit: int = 2000) -> list[Cluster]:
    """Clusters of the slice's recent analysed comments (the last `weeks` weeks, newest `limit`) that mention no
    theme at all, each with the theme whose marker words are nearest; rising ones first."""
    since = today - timedelta(days=7 * weeks)
    rows = (
        Answer.objects.filter(
            slice_filter(slice_, "response__"),
            question_type__in=list(Question.TEXT_TYPES),
            response__submitted_at__gte=start_of(since),
            analysis__isnull=False,
        )
        .exclude(Exists(ThemeMention.objects.filter(analysis_id=OuterRef("pk"))))
        .order_by("-pk")
        .values_list("text", "response__submitted_at")[:limit]
    )
    comments = [(text, content_lemmas(tokens(text)), (today - at.date()).days // 7) for text, at in rows]
    theme_lemmas = {
        code: {t.lemma for marker in split_markers(markers) for t in tokens(marker.rstrip("*"))}
        for code, markers in Theme.objects.filter(active=True).values_list("code", "markers")
    }
    return cluster_comments(comments, theme_lemmas, min_size=max(5, len(comments) // 100))
