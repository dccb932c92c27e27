"""The score vocabulary, the one home of these rules: each score type's scale and direction, and which answers
are unhappy, neutral or happy. Pure: no database access, no imports from the app (the models read their scales
from here), so every layer may use it.

The bands, per question type (keys are `Question.Type` values):

- NPS, 0–10: detractors 0–6 are unhappy, passives 7–8 neutral, promoters 9–10 happy (Reichheld's definition).
- CSAT, 1–5: 1–2 unhappy, 3 neutral, 4–5 happy ("satisfied", the results' "% satisfied").
- CES, 1–7 with higher meaning more effort: 5–7 unhappy, 4 neutral, 1–3 happy ("easy", the results'
  "% easy (1–3)"). The thank-you page and the comment filters once called only 1–2 happy; the documented
  metric and the scale's symmetry (its midpoint 4, as 3 is CSAT's) settle it at 1–3.

The thank-you page, the comments' happy/unhappy filter, the API's `band`, webhook payloads, answer labels,
recognition's praise, case priority and the metric engine's NPS, "% satisfied" and "% easy" all read them here.
"""

from django.db.models import Q

NPS, CSAT, CES, RATING, YES_NO = "nps", "csat", "ces", "rating", "yes_no"

FIXED_SCALES: dict[str, tuple[int, int]] = {NPS: (0, 10), CSAT: (1, 5), CES: (1, 7), YES_NO: (0, 1)}
BANDED = (NPS, CSAT, CES)  # the score types with unhappy / neutral / happy bands
LOWER_IS_BETTER = frozenset({CES})
UNHAPPY, NEUTRAL, HAPPY = "unhappy", "neutral", "happy"
# Inclusive (low, high) ranges of the unhappy and the happy band; what lies between is neutral.
BANDS: dict[str, dict[str, tuple[int, int]]] = {
    NPS: {UNHAPPY: (0, 6), HAPPY: (9, 10)},
    CSAT: {UNHAPPY: (1, 2), HAPPY: (4, 5)},
    CES: {UNHAPPY: (5, 7), HAPPY: (1, 3)},
}


def band(question_type: str, value: int | None) -> str:
    """ "unhappy", "neutral" or "happy" for one NPS, CSAT or CES answer; "" for other types or no answer."""
    if value is None or question_type not in BANDS:
        return ""
    for name, (low, high) in BANDS[question_type].items():
        if low <= value <= high:
            return name
    return NEUTRAL


def neutral_range(question_type: str) -> tuple[int, int]:
    """The inclusive range of neutral answers: what lies between the unhappy and the happy band."""
    lower, upper = sorted(BANDS[question_type].values())
    return lower[1] + 1, upper[0] - 1


def score_band(questions: list, answers: dict) -> str:
    """The band of a response: that of its first NPS, CSAT or CES answer (in the given question order), else
    "neutral". `answers` maps question ids to values."""
    for question in questions:
        value = answers.get(question.pk)
        if question.type in BANDS and value is not None:
            return band(question.type, value)
    return NEUTRAL


def band_q(name: str, *, number: str = "number", question_type: str | None = "question_type", types=BANDED) -> Q:
    """The SQL filter for answers in a band: `number` names the score column and `question_type` the column
    holding the answer's type (None when the caller has already filtered on one type; then `types` has one).
    "neutral" is what lies in no band, or no score at all."""
    if name == NEUTRAL:
        banded = band_q(UNHAPPY, number=number, question_type=question_type, types=types) | band_q(
            HAPPY, number=number, question_type=question_type, types=types
        )
        return ~banded | Q(**{f"{number}__isnull": True})
    q = Q()
    for kind in types:
        low, high = BANDS[kind][name]
        within = Q(**{f"{number}__gte": low, f"{number}__lte": high})
        q |= within & Q(**{question_type: kind}) if question_type else within
    return q


def unhappiness(question_type: str, value: int, scale: tuple[int, int]) -> float:
    """0 (the best answer) to 1 (the worst), along the question's scale."""
    low, high = scale
    share = (value - low) / (high - low)
    return share if question_type in LOWER_IS_BETTER else 1 - share
