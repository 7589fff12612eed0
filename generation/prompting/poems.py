"""Reading a poem as the imagery a model can draw: find the images (lexicon.py), vote them into
one selection of the model's vocabulary, and compose the prompt in the model's grammar."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .lexicon import LEXICON, Image
from .vocabulary import Selection, Vocabulary

__all__ = ["POEM_MAX_CHARS", "PoemReading", "find_images", "read_poem"]

POEM_MAX_CHARS = 400
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Found:
    text: str  # as the poem writes it
    image: Image
    start: int


@dataclass
class PoemReading:
    """What a poem became: each image found (in the poem's order), the selection they vote for
    (only terms the model knows), the prompt composed from it, and the prompt's language."""

    found: list[Found]
    selection: Selection
    prompt: str
    lang: str
    dropped: list[str] = field(default_factory=list)  # groups of the lexicon this model lacks

    def to_dict(self) -> dict[str, Any]:
        return {
            "images": [
                {
                    "text": f.text,
                    "image": {"en": f.image.en, "zh": f.image.zh},
                    "becomes": f.image.selection,
                    "note": {"en": f.image.note_en, "zh": f.image.note_zh} if f.image.note_en else None,
                }
                for f in self.found
            ],
            "selection": self.selection,
            "prompt": self.prompt,
            "lang": self.lang,
        }


def _forms() -> list[tuple[str, Image]]:
    pairs = [(form, image) for image in LEXICON for form in image.forms]
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


_FORMS = _forms()


def find_images(poem: str) -> list[Found]:
    """Every image of the lexicon in the poem, longest forms first, no two on the same text."""
    taken = [False] * len(poem)
    lower = poem.lower()
    found: list[Found] = []
    for form, image in _FORMS:
        if _CJK.match(form):
            starts = [m.start() for m in re.finditer(re.escape(form), poem)]
        else:
            starts = [m.start() for m in re.finditer(rf"\b{re.escape(form)}\b", lower)]
        for start in starts:
            end = start + len(form)
            if any(taken[start:end]):
                continue
            taken[start:end] = [True] * (end - start)
            found.append(Found(poem[start:end], image, start))
    found.sort(key=lambda f: f.start)
    return found


def read_poem(poem: str, vocabulary: Vocabulary) -> PoemReading:
    """The poem's images voted into one selection: for each group the value most images ask for
    (the earlier image breaks a tie), keeping only terms this model knows."""
    found = find_images(poem)
    votes: dict[str, Counter[str]] = {}
    first: dict[tuple[str, str], int] = {}
    dropped: list[str] = []
    for i, f in enumerate(found):
        for group, value in f.image.selection.items():
            if vocabulary.term(group, value) is None:
                dropped.append(group)
                continue
            votes.setdefault(group, Counter())[value] += 1
            first.setdefault((group, value), i)
    selection: Selection = {
        group: min(counter, key=lambda v: (-counter[v], first[(group, v)])) for group, counter in votes.items()
    }
    if selection.get("season") == "winter" and selection.get("mountains") == "plain":
        selection["mountains"] = "snowy"  # mountains in a snowy poem are snow-capped
    if selection.get("body") == "sun" and selection.get("time") == "night":
        del selection["body"]  # a night poem's 日 is a day gone by, not a sun in the night sky
    lang = "zh" if _CJK.search(poem) else "en"
    prompt = vocabulary.compose(selection, lang) if selection else ""
    return PoemReading(found, vocabulary.complete(selection) if selection else {}, prompt, lang, dropped)
