"""Text analytics of comments, pure Python: no Django, no database, nothing fetched at run time.

`lemmas` turns a comment into lemma tokens (pymorphy3 for Cyrillic words, Snowball for Latin ones),
`lexicon` scores them with negation and intensity, `match` finds the taxonomy's themes, `sentiment` trains
and applies the per-program scikit-learn model, `pii` masks personal data, `discover` proposes new themes.
"""
