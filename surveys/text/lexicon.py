"""The built-in sentiment lexicon (a cold start before a program has its own model), with negation and
intensity: «вежливо» +1, «очень вежливо» +1.5, «не вежливо» −0.7, «не очень вежливо» −0.4.

Entries are written as ordinary words and lemmatised on first use, so they match any inflected form."""

import math
from dataclasses import dataclass
from functools import cache

from surveys.text.lemmas import Token, lemma, words

NEGATIVE_RU = words("""
плохой плохо хуже худший ужасный ужасно ужас кошмар отвратительный отвратительно мерзкий безобразие позор
отстой хамство хамить хам хамский грубый грубо грубить нагрубить невежливый невежливо неприветливый
равнодушный равнодушно наплевательский халатность некомпетентный непрофессионально непрофессиональный
медленно медленный долго долгий затянуть опоздать опаздывать опоздание задержка задержать задерживать
сломанный сломать сломаться поломка брак бракованный царапина поцарапать повреждение повредить
повреждённый испорченный испортить трещина вмятина скол пятно дефект неисправный кривой криво шататься
скрипеть грязный грязно грязь мусор пыль вонь вонять душно тесно шумно неопрятный дорого переплатить
обсчитать обвес обман обмануть обманывать недовольный разочарование разочаровать разочарованный жаль
проблема неудобно неудобный непонятно непонятный ошибка зависать глючить вылетать отказ отказать
отказаться игнорировать проигнорировать раздражать бесить неприятный неприятно возмутительно возмущать
жалоба претензия потерять навязывать навязать невозможно никудышный бестолковый хамло нахамить
унизительно обидно неаккуратно неаккуратный сломан путаница перепутать забыть нарушить сорвать
перебор издевательство пропасть забитый тусклый хлам позорище позор надоесть сгореть потеряться отменить
бросить разваливаться развалиться облезть продавиться заблокировать скрипеть свысока заминка пустой
неисправность зависнуть отвратно бардак безобразный тупой хамски болеть
""")

POSITIVE_RU = words("""
хороший хорошо отличный отлично прекрасный прекрасно замечательный замечательно великолепный великолепно
супер класс классный круто крутой спасибо благодарить благодарность благодарный вежливый вежливо
приветливый приветливо доброжелательный доброжелательно внимательный внимательно компетентный
профессиональный профессионально профессионал грамотный грамотно быстро быстрый оперативно оперативный
вовремя удобно удобный аккуратно аккуратный чисто чистый уютно уютный приятно приятный довольный
рекомендовать советовать нравиться понравиться любить радовать порадовать восторг идеально идеальный
качественный качественно помочь помогать подсказать выручить молодец лучший лучше недорого дешево выгодно
выгодный рад четко чёткий легко надёжный прочный красивый шикарный бесплатно решить пунктуальный мило
милый заботливый улыбчивый терпеливый терпеливо подробно толково свежий просторный светлый вкусный
золотой мягкий забота удивить любимый крепкий точно оперативность умница безупречно
""")

NEGATIVE_EN = words("""
bad badly terrible terribly awful horrible horribly poor poorly worst worse rude rudely unfriendly impolite
unhelpful slow slowly late delay delayed broken break damaged damage scratch scratched dent defect
defective faulty dirty messy filthy smelly expensive overpriced overcharged disappointed disappointing
disappointment annoying annoyed frustrating frustrated useless incompetent ignored ignore problem issue
error crash crashed bug buggy glitch unacceptable complaint complain lost missing wrong mistake confusing
confused difficult nightmare disaster shame waste unhappy angry furious noisy crowded cramped refused
careless sloppy stuck hassle uncomfortable inconvenient misleading lied scam dismissive arrogant
crooked creak creaks joke vanished cancelled freezing freeze declining sagged peeled dumped stuffy dim hitch
smell smells tired rubbish fed discontinued unbelievable shoddy flimsy
""")

POSITIVE_EN = words("""
good great excellent amazing awesome fantastic wonderful perfect perfectly love loved nice friendly polite
politely helpful kind quick quickly fast prompt promptly efficient easy easily smooth smoothly clean tidy
comfortable convenient pleasant happy pleased satisfied recommend thank thanks grateful professional
knowledgeable competent attentive courteous best better affordable reasonable bargain impressed sturdy
solid beautiful lovely brilliant superb outstanding patient punctual reliable resolved welcoming cosy cozy
spacious generous enjoy enjoyed glad delighted fresh flawless gorgeous star neat neatly handy pleasure soft
easier plenty favourite lovely super
""")

# Events a customer expects: neutral when they happen, negative when they don't («не перезвонили»).
EXPECTED = words("""
работать приехать прийти перезвонить позвонить ответить дозвониться вернуть привезти доставить
прислать починить исправить объяснить предупредить
work arrive call answer respond reply return refund deliver show come fix explain
""")

NEGATORS = frozenset(
    {
        "не",
        "нет",
        "ни",
        "никак",
        "никогда",
        "ничуть",
        "без",
        "нельзя",
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "none",
        "hardly",
        "without",
        "neither",
        "nor",
        "cannot",
    }
)

INTENSIFIERS = {
    "очень": 1.5,
    "слишком": 1.5,
    "совсем": 1.5,
    "крайне": 1.8,
    "весьма": 1.3,
    "абсолютно": 1.6,
    "совершенно": 1.6,
    "невероятно": 1.7,
    "максимально": 1.5,
    "реально": 1.3,
    "настолько": 1.5,
    "жутко": 1.7,
    "самый": 1.4,
    "безумно": 1.7,
    "чрезвычайно": 1.8,
    "особенно": 1.3,
    "вообще": 1.4,
    "немного": 0.6,
    "слегка": 0.6,
    "чуть": 0.6,
    "несколько": 0.7,
    "довольно": 0.9,
    "very": 1.5,
    "really": 1.4,
    "extremely": 1.8,
    "so": 1.3,
    "too": 1.4,
    "super": 1.5,
    "incredibly": 1.7,
    "absolutely": 1.6,
    "totally": 1.5,
    "completely": 1.5,
    "highly": 1.5,
    "truly": 1.4,
    "utterly": 1.7,
    "slightly": 0.6,
    "bit": 0.7,
    "somewhat": 0.7,
    "little": 0.7,
    "rather": 0.9,
    "fairly": 0.9,
}

NEGATION_SCOPE = 3  # tokens after a negator that it still reaches
NEGATED = 0.7  # «не вежливо»: the opposite, a little weaker
NEGATED_INTENSIFIED = 0.4  # «не очень вежливо»: mildly the opposite
THRESHOLD = 0.2  # |score| below this is neutral


@cache
def polarity() -> dict[str, float]:
    """Lemma -> polarity (+1 positive, −1 negative, 0 an expected event), built on first use."""
    table: dict[str, float] = {}
    for entries, value in ((POSITIVE_RU, 1.0), (POSITIVE_EN, 1.0), (NEGATIVE_RU, -1.0), (NEGATIVE_EN, -1.0)):
        for word in entries:
            table[lemma(word)] = value
    for word in EXPECTED:
        table.setdefault(lemma(word), 0.0)
    return table


@cache
def intensities() -> dict[str, float]:
    return {lemma(word): factor for word, factor in INTENSIFIERS.items()}


@dataclass(frozen=True, slots=True)
class Scored:
    """A text's lexicon score in −1..1, the same per clause, and its tokens marked for negation."""

    score: float
    clauses: dict[int, float]
    features: list[str]


def squash(total: float) -> float:
    """Sum of word contributions -> −1..1 (more words, more certainty, never beyond 1)."""
    return total / math.sqrt(total * total + 2.0)


def score_tokens(items: list[Token]) -> Scored:
    """Score lemma tokens: each polar word counts once, flipped by a negator before it in the same clause,
    scaled by an intensifier just before it."""
    table = polarity()
    boost = intensities()
    total = 0.0
    clauses: dict[int, float] = {}
    features: list[str] = []
    negated_until = -1
    negation_clause = -1
    factor = 1.0
    factor_until = -1
    for index, token in enumerate(items):
        word = token.lemma
        negated = index <= negated_until and token.clause == negation_clause
        if word in NEGATORS:
            negated_until = index + NEGATION_SCOPE
            negation_clause = token.clause
            features.append("NOT")
            continue
        if word in boost:
            factor, factor_until = boost[word], index + 2
            features.append(f"NOT_{word}" if negated else word)
            continue
        features.append(f"NOT_{word}" if negated else word)
        value = table.get(word)
        if value is None:
            continue
        intensified = index <= factor_until and factor != 1.0
        if negated:
            value = -(value or 1.0) * (NEGATED_INTENSIFIED if intensified and factor > 1 else NEGATED)
        elif intensified:
            value *= factor
        if value:
            total += value
            clauses[token.clause] = clauses.get(token.clause, 0.0) + value
    return Scored(squash(total), {clause: squash(value) for clause, value in clauses.items()}, features)


def label(score: float) -> str:
    if score <= -THRESHOLD:
        return "negative"
    if score >= THRESHOLD:
        return "positive"
    return "neutral"
