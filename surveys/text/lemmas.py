"""Tokens and lemmas of a comment in Russian or English, with caches so a backfill parses each word once."""

import re
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
import snowballstemmer

# A word, or punctuation that ends a clause (a thought); one pass over the text finds both.
TOKEN_RE = re.compile(r"([^\W\d_]+(?:[-'’][^\W\d_]+)*)|([.!?;:()\n…,])")
CYRILLIC_RE = re.compile(r"[а-яё]", re.IGNORECASE)
# A contrast word starts a new clause: «курьер опоздал, но собрал быстро», "late but polite".
CONTRAST = frozenset({"но", "однако", "зато", "хотя", "but", "however", "although", "though", "yet", "whereas"})

CACHE_LIMIT = 300_000


@dataclass(frozen=True, slots=True)
class Token:
    lemma: str
    start: int
    end: int
    clause: int  # index of the clause (between punctuation) the token sits in


_morph: pymorphy3.MorphAnalyzer | None = None
_stemmer = snowballstemmer.stemmer("english")
_cache: dict[str, str] = {}


def _analyser() -> pymorphy3.MorphAnalyzer:
    global _morph
    if _morph is None:
        _morph = pymorphy3.MorphAnalyzer()
    return _morph


def lemma(word: str) -> str:
    """The lemma of one lower-cased word: pymorphy3's normal form for Cyrillic, the Snowball stem otherwise."""
    cached = _cache.get(word)
    if cached is not None:
        return cached
    if CYRILLIC_RE.search(word):
        result = _analyser().parse(word)[0].normal_form.replace("ё", "е")
    else:
        normalised = word.replace("’", "'")
        # Snowball keeps "n't" on the verb; split it off so "didn't" carries the negation.
        result = "not" if normalised.endswith("n't") else _stemmer.stemWord(normalised)
    if len(_cache) >= CACHE_LIMIT:
        _cache.clear()
    _cache[word] = result
    return result


def tokens(text: str) -> list[Token]:
    """Lemma tokens of a text with their character offsets and clause numbers."""
    result = []
    clause = 0
    for match in TOKEN_RE.finditer(text):
        if match.lastindex == 2:  # punctuation: a new clause starts
            clause += 1
            continue
        word = match.group().lower()
        start, end = match.span()
        if word.endswith(("n't", "n’t")) and len(word) > 3:
            # "wasn't" -> "was" + "not": the verb keeps its meaning and the negation its scope.
            result.append(Token(lemma(word[:-3]), start, end - 3, clause))
            result.append(Token("not", end - 3, end, clause))
            continue
        if word in CONTRAST:
            clause += 1
        result.append(Token(lemma(word), start, end, clause))
    return result


@lru_cache(maxsize=4096)
def phrase_lemmas(phrase: str) -> tuple[str, ...]:
    """The lemmas of a marker phrase, as the matcher compares them."""
    return tuple(token.lemma for token in tokens(phrase))


def words(text: str) -> list[str]:
    """A word list written as text (the lexicons and stop words)."""
    return text.split()


CYRILLIC_LETTERS_RE = re.compile(r"[а-яё]", re.IGNORECASE)
LATIN_LETTERS_RE = re.compile(r"[a-z]", re.IGNORECASE)


def detect_language(text: str) -> str:
    """'ru' when at least half the letters are Cyrillic, else 'en' ('' without letters of either)."""
    cyrillic = len(CYRILLIC_LETTERS_RE.findall(text))
    latin = len(LATIN_LETTERS_RE.findall(text))
    if not cyrillic and not latin:
        return ""
    return "ru" if cyrillic >= latin else "en"
