"""Tokens and lemmas of a comment in Russian or English, with caches so a backfill parses each word once."""

import re
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
import snowballstemmer

# Words are runs of letters (hyphens and apostrophes inside a word keep it whole: «из-за», "didn't").
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
# Clause boundaries: punctuation that ends a thought; contrast words are handled by the lexicon.
CLAUSE_PUNCT_RE = re.compile(r"[.!?;:()\n…]|,")
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
    position = 0
    for match in WORD_RE.finditer(text):
        if CLAUSE_PUNCT_RE.search(text, position, match.start()):
            clause += 1
        position = match.end()
        word = match.group().lower()
        if word.endswith(("n't", "n’t")) and len(word) > 3:
            # "wasn't" -> "was" + "not": the verb keeps its meaning and the negation its scope.
            stem = word[:-3]
            result.append(Token(lemma(stem), match.start(), match.end() - 3, clause))
            result.append(Token("not", match.end() - 3, match.end(), clause))
            continue
        if word in CONTRAST:
            clause += 1
        result.append(Token(lemma(word), match.start(), match.end(), clause))
    return result


@lru_cache(maxsize=4096)
def phrase_lemmas(phrase: str) -> tuple[str, ...]:
    """The lemmas of a marker phrase, as the matcher compares them."""
    return tuple(token.lemma for token in tokens(phrase))


def words(text: str) -> list[str]:
    """A word list written as text (the lexicons and stop words)."""
    return text.split()


def detect_language(text: str) -> str:
    """'ru' when most letters are Cyrillic, else 'en'."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return ""
    cyrillic = sum(1 for c in letters if "а" <= c.lower() <= "я" or c in "ёЁ")
    return "ru" if cyrillic * 2 >= len(letters) else "en"
