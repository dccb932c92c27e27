"""The per-program sentiment model: scikit-learn's TF-IDF and logistic regression over negation-marked
lemmas and their pairs, plus the lexicon's verdict as a feature, trained on comments labelled by their
paired scores (a detractor's comment leans negative).

A trained model is kept as plain arrays (vocabulary, idf, coefficients) in an .npz file — loaded without
pickle, so a stored model can never run code."""

import io
import itertools
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

# scikit-learn is imported where a model is fitted or loaded, not with this module: it adds about 100 MB to every
# process that loads the app (web workers, Celery, a million-row export: bench/README.md), most of which never
# touches a model.

LABELS = ("negative", "neutral", "positive")
MIN_TRAINING = 60  # comments; below this (or with a class missing) the lexicon stays in charge


def model_features(features: list[str], lexicon_score: float) -> list[str]:
    """Words, word pairs and the lexicon's verdict as one bag of terms."""
    terms = list(features)
    terms += [f"{a} {b}" for a, b in itertools.pairwise(features)]
    if lexicon_score >= 0.2:
        terms += ["__lexicon_positive__"] * (1 + int(lexicon_score >= 0.6))
    elif lexicon_score <= -0.2:
        terms += ["__lexicon_negative__"] * (1 + int(lexicon_score <= -0.6))
    return terms


def _terms(document: list[str]) -> list[str]:
    return document


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    n_train: int
    n_test: int
    per_label: dict[str, int]


class SentimentModel:
    """A fitted vectoriser and classifier, predicting in batches."""

    def __init__(self, vectoriser: "TfidfVectorizer", classifier: "LogisticRegression"):
        self.vectoriser = vectoriser
        self.classifier = classifier

    @classmethod
    def fit(cls, documents: list[list[str]], labels: list[str]) -> "SentimentModel":
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        vectoriser = TfidfVectorizer(analyzer=_terms, sublinear_tf=True, min_df=1)
        matrix = vectoriser.fit_transform(documents)
        # SAGA: as accurate as L-BFGS here and ~40× faster on sparse TF-IDF (50,000 comments train in seconds).
        classifier = LogisticRegression(C=4.0, solver="saga", max_iter=300, tol=1e-3, class_weight="balanced")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # tol is loose on purpose; accuracy is measured
            classifier.fit(matrix, labels)
        return cls(vectoriser, classifier)

    @classmethod
    def train(
        cls, documents: list[list[str]], labels: list[str], *, seed: int = 0
    ) -> tuple["SentimentModel", Evaluation]:
        """Measure accuracy on a held-out fifth, then fit on everything. Raises ValueError when the data
        cannot make a model (too few comments, or a sentiment never seen)."""
        if len(documents) < MIN_TRAINING or len(set(labels)) < len(LABELS):
            raise ValueError("not enough labelled comments")
        from sklearn.model_selection import train_test_split

        train_docs, test_docs, train_labels, test_labels = train_test_split(
            documents, labels, test_size=0.2, random_state=seed, stratify=labels
        )
        held_out = cls.fit(train_docs, train_labels)
        predicted = [label for label, _score in held_out.predict(test_docs)]
        accuracy = sum(p == t for p, t in zip(predicted, test_labels, strict=True)) / len(test_labels)
        counts = {name: labels.count(name) for name in LABELS}
        return cls.fit(documents, labels), Evaluation(round(accuracy, 4), len(train_docs), len(test_docs), counts)

    def predict(self, documents: list[list[str]]) -> list[tuple[str, float]]:
        """(label, score in −1..1 = P(positive) − P(negative)) per document, in one vectorised call."""
        if not documents:
            return []
        probabilities = self.classifier.predict_proba(self.vectoriser.transform(documents))
        classes = list(self.classifier.classes_)
        negative, positive = classes.index("negative"), classes.index("positive")
        best = probabilities.argmax(axis=1)
        scores = probabilities[:, positive] - probabilities[:, negative]
        return [(classes[i], round(float(s), 4)) for i, s in zip(best, scores, strict=True)]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        vocabulary = sorted(self.vectoriser.vocabulary_, key=self.vectoriser.vocabulary_.get)
        np.savez_compressed(
            buffer,
            vocabulary=np.array(vocabulary, dtype=str),
            idf=self.vectoriser.idf_,
            coef=self.classifier.coef_,
            intercept=self.classifier.intercept_,
            classes=np.array(self.classifier.classes_, dtype=str),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "SentimentModel":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        arrays = np.load(io.BytesIO(data), allow_pickle=False)
        vectoriser = TfidfVectorizer(analyzer=_terms, sublinear_tf=True)
        vectoriser.vocabulary_ = {term: index for index, term in enumerate(arrays["vocabulary"].tolist())}
        vectoriser.idf_ = arrays["idf"]
        classifier = LogisticRegression()
        classifier.coef_ = arrays["coef"]
        classifier.intercept_ = arrays["intercept"]
        classifier.classes_ = arrays["classes"]
        return cls(vectoriser, classifier)
