"""Bilingual caption grammar shared by the synthetic renderers.

A `Term` holds the English and Simplified Chinese surface forms of one concept. The first form
of each language is canonical (used by evaluation prompts); the rest are synonyms drawn at
random while rendering a data set, so the text encoder learns that "dusk", "evening" and
"sunset" (黄昏, 日落, 夕阳) name the same scene.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LANGS = ("en", "zh")


@dataclass(frozen=True)
class Term:
    en: tuple[str, ...]
    zh: tuple[str, ...]

    def pick(self, lang: str, rng: np.random.Generator | None) -> str:
        forms = self.en if lang == "en" else self.zh
        if rng is None:
            return forms[0]
        return forms[int(rng.integers(len(forms)))]


def T(en: str | tuple[str, ...], zh: str | tuple[str, ...]) -> Term:
    """Shorthand: a single string or a tuple of synonyms per language."""
    return Term(en if isinstance(en, tuple) else (en,), zh if isinstance(zh, tuple) else (zh,))


def choose(rng: np.random.Generator | None, options: tuple[str, ...] | list[str]) -> str:
    if rng is None:
        return options[0]
    return options[int(rng.integers(len(options)))]


def join_list(items: list[str], lang: str) -> str:
    """'a, b and c' in English; 'a、b和c' in Chinese."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    if lang == "en":
        return ", ".join(items[:-1]) + " and " + items[-1]
    return "、".join(items[:-1]) + "和" + items[-1]


EN_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six")
ZH_NUMBERS = ("零", "一", "两", "三", "四", "五", "六")


def count_phrase(
    n: int, noun: Term, plural: Term, measure_word: str, lang: str, rng: np.random.Generator | None
) -> str:
    """'three tomatoes' / '三个番茄'. Digits are used a quarter of the time so both forms occur."""
    use_digit = rng is not None and rng.random() < 0.25
    if lang == "en":
        num = str(n) if use_digit else EN_NUMBERS[n]
        word = noun.pick("en", rng) if n == 1 else plural.pick("en", rng)
        if n == 1 and not use_digit:
            return ("an " if word[0] in "aeiou" else "a ") + word
        return f"{num} {word}"
    num = str(n) if use_digit else ZH_NUMBERS[n]
    return f"{num}{measure_word}{noun.pick('zh', rng)}"
