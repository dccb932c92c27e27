"""The hand-written labelled comments (tests/surveys/data/labelled_comments_*.tsv): 180 Russian and 180 English
comments about a home-goods retailer, each with the NPS its writer would give, the sentiment a reader
gives it and the retail themes it is about."""

from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass(frozen=True)
class Labelled:
    language: str
    score: int
    sentiment: str
    themes: frozenset[str]
    text: str


def labelled_comments() -> list[Labelled]:
    rows = []
    for language in ("ru", "en"):
        for line in (DATA / f"labelled_comments_{language}.tsv").read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            lang, score, sentiment, themes, text = line.split("\t")
            rows.append(Labelled(lang, int(score), sentiment, frozenset(filter(None, themes.split(","))), text))
    return rows
