"""Discovered themes, the second kind: clusters of comments that no theme mentions at all. TF-IDF over their
content lemmas (those in two comments at least) and agglomerative clustering (scikit-learn, average linkage on
cosine distance, cut at DISTANCE: no number of clusters to guess, and the same comments always give the same
groups; comments sharing no word are never joined). Each
cluster is named by its top lemmas, with its size, examples, whether it is rising this week, and the theme whose
marker words are nearest — offered to the CX lead as a new theme or words to add to that theme."""

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from surveys.text.discover import STOPWORDS
from surveys.text.lemmas import Token

TOP_LEMMAS = 3  # the lemmas that name a cluster and are offered as its marker words
DISTANCE = 0.9  # average cosine distance below which two groups are one


@dataclass(frozen=True)
class Cluster:
    lemmas: tuple[str, ...]  # the top lemmas, most characteristic first
    size: int  # comments in the cluster
    examples: tuple[str, ...]  # the comments nearest its centre
    this_week: int
    weekly_before: float  # mean per week over the weeks before
    rising: bool
    near_theme: str  # the theme whose marker words are nearest ("" none)

    @property
    def label(self) -> str:
        return " · ".join(self.lemmas)

    @property
    def markers(self) -> str:
        """The top lemmas as marker words, as a CX lead would type them."""
        return ", ".join(self.lemmas)


def content_lemmas(items: Iterable[Token]) -> list[str]:
    """The lemmas that carry meaning: no stop words, no negation marks, no one- or two-letter words."""
    return [t.lemma for t in items if t.lemma not in STOPWORDS and len(t.lemma) > 2 and t.lemma != "NOT"]


def _identity(document: list[str]) -> list[str]:
    return document


def cluster_comments(
    comments: list[tuple[str, list[str], int]],
    theme_lemmas: dict[str, set[str]],
    *,
    min_size: int = 5,
    weeks_before: int = 4,
    examples: int = 3,
) -> list[Cluster]:
    """`comments`: (text, content lemmas, weeks ago — 0 is this week) of comments no theme mentions;
    `theme_lemmas`: each theme code's marker lemmas. Clusters of at least `min_size` comments, rising first,
    then the largest. Rising: at least `min_size`/2 this week and at least twice the weekly mean before."""
    usable = [row for row in comments if row[1]]
    if len(usable) < 2 * min_size:
        return []
    # Imported here, as in sentiment.py: scikit-learn adds about 100 MB to every process that loads the app.
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectoriser = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, min_df=2)
    try:
        matrix = vectoriser.fit_transform([lemmas for _t, lemmas, _w in usable])
    except ValueError:  # no lemma occurs twice: nothing in common to cluster on
        return []
    keep = np.asarray(matrix.sum(axis=1)).ravel() > 0
    usable = [row for row, kept in zip(usable, keep, strict=True) if kept]
    matrix = matrix[keep]
    if len(usable) < 2:
        return []
    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=DISTANCE
    ).fit_predict(matrix.toarray())
    centres = [np.asarray(matrix[labels == number].mean(axis=0)).ravel() for number in range(labels.max() + 1)]
    vocabulary = np.array(vectoriser.get_feature_names_out())
    result = []
    for number, centre in enumerate(centres):
        members = np.flatnonzero(labels == number)
        if len(members) < min_size:
            continue
        order = [i for i in np.argsort(-centre, kind="stable")[:TOP_LEMMAS] if centre[i] > 0]
        top = tuple(vocabulary[order].tolist())
        distances = np.asarray(matrix[members] @ centre).ravel()
        nearest = members[np.argsort(-distances, kind="stable")[:examples]]
        weeks = [usable[i][2] for i in members]
        this_week = sum(w == 0 for w in weeks)
        mean_before = sum(0 < w <= weeks_before for w in weeks) / weeks_before
        rising = this_week >= max(2, min_size // 2) and this_week >= 2 * max(mean_before, 0.5)
        result.append(
            Cluster(
                lemmas=top,
                size=len(members),
                examples=tuple(usable[i][0] for i in nearest),
                this_week=this_week,
                weekly_before=round(mean_before, 2),
                rising=rising,
                near_theme=_nearest_theme(vocabulary, centre, theme_lemmas),
            )
        )
    result.sort(key=lambda c: (not c.rising, -c.size, c.label))
    return result


def _nearest_theme(vocabulary: np.ndarray, centre: np.ndarray, theme_lemmas: dict[str, set[str]]) -> str:
    weights = dict(zip(vocabulary.tolist(), centre.tolist(), strict=True))
    scored = [(sum(weights.get(lemma, 0.0) for lemma in lemmas), code) for code, lemmas in theme_lemmas.items()]
    scored = [(score, code) for score, code in scored if score > 0]
    return max(scored, key=lambda pair: (pair[0], pair[1]))[1] if scored else ""
