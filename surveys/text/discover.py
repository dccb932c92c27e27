"""Discovered themes: frequent phrases in comments that no theme's markers cover, and the ones rising
this week against the weeks before — offered to the CX lead as new themes or words to add."""

from collections import Counter
from dataclasses import dataclass

from surveys.text.lemmas import Token, words

STOPWORDS = frozenset(
    words(
        """и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее мне было
    вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до вас нибудь
    опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем была сам
    чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь
    этом один почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой
    хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою
    этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между весь это очень свой
    наш который мочь сказать день раз спасибо всё также
    the a an and or but if of to in on at for with by from as is are was were be been being it its this that
    these those i me my we our you your he she they them his her their not no so very too just than then
    there here have has had do did does done will would can could should may might must also all any some
    what which who whom when where why how up out about into over after again more most other such only own
    same nor s t don now get got one thank thanks"""
    )
)


@dataclass(frozen=True)
class Candidate:
    phrase: str  # lemmas joined by spaces
    example: str  # the phrase as one customer wrote it
    count: int  # comments in the whole period
    this_week: int
    weekly_before: float  # mean per week over the weeks before
    rising: bool
    near_theme: str  # the theme most often mentioned in the same comments ("" none): add the words to it


def _phrases(items: list[Token]) -> dict[tuple[str, ...], tuple[int, int]]:
    """Content words and adjacent pairs of them (within a clause) -> their span in the text."""
    words = [t for t in items if t.lemma not in STOPWORDS and len(t.lemma) > 2 and t.lemma != "NOT"]
    found: dict[tuple[str, ...], tuple[int, int]] = {}
    for index, token in enumerate(words):
        found.setdefault((token.lemma,), (token.start, token.end))
        following = words[index + 1] if index + 1 < len(words) else None
        if following is not None and following.clause == token.clause:
            found.setdefault((token.lemma, following.lemma), (token.start, following.end))
    return found


def discover(
    comments: list[tuple[str, list[Token], list[tuple[int, int]], list[str], int]],
    *,
    min_count: int = 5,
    limit: int = 30,
    weeks_before: int = 4,
) -> list[Candidate]:
    """`comments`: (text, tokens, covered spans, themes mentioned, weeks ago — 0 is this week).

    A phrase counts once per comment, and only where no theme mention covers it. Pairs come before their
    words when they are as frequent (the phrase says more). Rising: at least `min_count`/2 this week and at
    least twice the weekly mean of the `weeks_before` weeks before."""
    totals: Counter = Counter()
    this_week: Counter = Counter()
    before: Counter = Counter()
    near: dict[tuple[str, ...], Counter] = {}
    examples: dict[tuple[str, ...], str] = {}
    for text, items, covered, themes, weeks_ago in comments:
        for phrase, (start, end) in _phrases(items).items():
            if any(s < end and start < e for s, e in covered):
                continue
            totals[phrase] += 1
            examples.setdefault(phrase, text[start:end])
            if weeks_ago == 0:
                this_week[phrase] += 1
            elif 0 < weeks_ago <= weeks_before:
                before[phrase] += 1
            if themes:
                near.setdefault(phrase, Counter()).update(themes)
    frequent = [phrase for phrase, count in totals.items() if count >= min_count]
    # A word whose count its pair nearly matches says nothing the pair doesn't.
    pairs = {phrase: totals[phrase] for phrase in frequent if len(phrase) == 2}
    kept = [
        phrase
        for phrase in frequent
        if len(phrase) == 2
        or not any(phrase[0] in pair and count >= 0.8 * totals[phrase] for pair, count in pairs.items())
    ]
    candidates = []
    for phrase in kept:
        mean_before = before[phrase] / weeks_before
        rising = this_week[phrase] >= max(2, min_count // 2) and this_week[phrase] >= 2 * max(mean_before, 0.5)
        themes = near.get(phrase)
        near_theme = themes.most_common(1)[0][0] if themes else ""
        candidates.append(
            Candidate(
                " ".join(phrase),
                examples[phrase],
                totals[phrase],
                this_week[phrase],
                round(mean_before, 2),
                rising,
                near_theme,
            )
        )
    candidates.sort(key=lambda c: (not c.rising, -c.count, c.phrase))
    return candidates[:limit]
