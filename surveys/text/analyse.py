"""One pass over a batch of comments: language, lemmas, themes, sentiment of the comment and of each
theme mention. The model (when the program has one) predicts the whole batch in one call."""

from dataclasses import dataclass, field

from surveys.text.lemmas import detect_language, tokens
from surveys.text.lexicon import label, score_tokens
from surveys.text.match import Taxonomy
from surveys.text.sentiment import SentimentModel, model_features


@dataclass(frozen=True, slots=True)
class ThemeMention:
    theme: str
    sentiment: str
    score: float
    start: int
    end: int


@dataclass(slots=True)
class Analysis:
    language: str
    sentiment: str
    score: float
    mentions: list[ThemeMention] = field(default_factory=list)
    features: list[str] = field(default_factory=list)

    @property
    def themes(self) -> list[str]:
        return sorted({mention.theme for mention in self.mentions})


def analyse_batch(texts: list[str], taxonomy: Taxonomy, model: SentimentModel | None = None) -> list[Analysis]:
    """Analyse comments. A mention's sentiment is its clause's («курьер опоздал, но собрал быстро»: delivery
    negative, assembly positive); a clause with no sentiment words takes the comment's."""
    parsed = []
    for text in texts:
        items = tokens(text)
        scored = score_tokens(items)
        parsed.append((text, items, scored))
    predictions = None
    if model is not None:
        predictions = model.predict([model_features(scored.features, scored.score) for _t, _i, scored in parsed])
    results = []
    for position, (text, items, scored) in enumerate(parsed):
        if predictions is not None:
            sentiment, score = predictions[position]
        else:
            score = round(scored.score, 4)
            sentiment = label(score)
        mentions = []
        for mention in taxonomy.find(items):
            clause_score = scored.clauses.get(mention.clause)
            if clause_score is None:
                mention_score, mention_sentiment = score, sentiment
            else:
                mention_score = round(clause_score, 4)
                mention_sentiment = label(clause_score)
            mentions.append(ThemeMention(mention.theme, mention_sentiment, mention_score, mention.start, mention.end))
        results.append(Analysis(detect_language(text), sentiment, score, mentions, scored.features))
    return results
