"""Theme matching: a taxonomy's marker words and phrases, compared with a comment's lemmas.

A marker is a word or phrase in either language («курьер опоздал», "late delivery"); it matches any
inflected form («курьеры опаздывают») because both sides are lemmatised. A trailing `*` matches any lemma
that starts with it ("deliver*", «достав*»)."""

from collections.abc import Iterable
from dataclasses import dataclass

from surveys.text.lemmas import CYRILLIC_RE, Token, lemma, phrase_lemmas


def split_markers(text: str) -> list[str]:
    """Markers as a CX lead types them: separated by commas or lines."""
    return [marker.strip() for marker in text.replace("\n", ",").split(",") if marker.strip()]


@dataclass(frozen=True, slots=True)
class Mention:
    theme: str
    start: int  # character offsets of the matched words in the comment
    end: int
    clause: int


@dataclass(frozen=True, slots=True)
class Marker:
    theme: str
    lemmas: tuple[str, ...]
    prefix: bool  # the last lemma is a prefix


class Taxonomy:
    """Compiled markers of a set of themes, indexed by first lemma (and by prefixes) for fast matching."""

    def __init__(self, markers: Iterable[tuple[str, str]]):
        """`markers`: (theme code, marker text) pairs."""
        self.exact: dict[str, list[Marker]] = {}
        self.prefixes: list[Marker] = []
        self.codes: set[str] = set()
        for theme, text in markers:
            text = text.strip().lower()
            prefix = text.endswith("*")
            lemmas = phrase_lemmas(text.rstrip("*")) if not prefix else self._prefix_lemmas(text.rstrip("*"))
            if not lemmas:
                continue
            marker = Marker(theme, lemmas, prefix)
            self.codes.add(theme)
            if prefix and len(lemmas) == 1:
                self.prefixes.append(marker)
            else:
                self.exact.setdefault(lemmas[0], []).append(marker)
        self.prefixes.sort(key=lambda marker: -len(marker.lemmas[0]))
        # Which prefix markers a lemma starts with, worked out once per distinct lemma (the vocabulary is small).
        self._prefix_hits: dict[str, tuple[Marker, ...]] = {}

    @staticmethod
    def _prefix_lemmas(text: str) -> tuple[str, ...]:
        # The words before the last are lemmatised; the last stays as typed, a prefix of lemmas.
        # A Latin prefix is stemmed as well ("deliver*" -> "deliv", which "delivered" and "delivery" share).
        *head, last = text.split()
        if not CYRILLIC_RE.search(last):
            last = lemma(last)
        return (*(item for word in head for item in phrase_lemmas(word)), last.replace("ё", "е"))

    def _matches(self, marker: Marker, items: list[Token], index: int) -> bool:
        size = len(marker.lemmas)
        if index + size > len(items):
            return False
        for offset, wanted in enumerate(marker.lemmas):
            word = items[index + offset].lemma
            last = offset == size - 1
            if not (word == wanted or (last and marker.prefix and word.startswith(wanted))):
                return False
        return True

    def find(self, items: list[Token]) -> list[Mention]:
        """The theme mentions in a comment's tokens: one per theme and clause, longest marker first."""
        found: dict[tuple[str, int], Mention] = {}
        for index, token in enumerate(items):
            candidates = self.exact.get(token.lemma, ())
            hits = [m for m in candidates if self._matches(m, items, index)]
            prefixed = self._prefix_hits.get(token.lemma)
            if prefixed is None:
                if len(self._prefix_hits) > 200_000:
                    self._prefix_hits.clear()
                prefixed = tuple(m for m in self.prefixes if token.lemma.startswith(m.lemmas[0]))
                self._prefix_hits[token.lemma] = prefixed
            hits += prefixed
            for marker in hits:
                key = (marker.theme, token.clause)
                end = items[index + len(marker.lemmas) - 1].end
                previous = found.get(key)
                if previous is None:
                    found[key] = Mention(marker.theme, token.start, end, token.clause)
                else:
                    # Several markers of one theme in a clause are one mention spanning them all.
                    span = (min(previous.start, token.start), max(previous.end, end))
                    found[key] = Mention(marker.theme, *span, token.clause)
        return sorted(found.values(), key=lambda mention: (mention.start, mention.theme))
