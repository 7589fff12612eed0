"""Combinations a model has not learnt to draw: the held-out combinations of its training whose
own objects its measured quality says it leaves out (a river at night: 0 of 48 pictures).

They come from the package's `quality.combinations` (written by `python -m generation.training
evaluate --record`: each combination the renderers held out of training, as a selection in the
vocabulary's terms, and how often each object it names was drawn). The prompt check warns when a
prompt asks for one; the model card lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .vocabulary import Vocabulary

__all__ = ["WEAK", "Untaught", "untaught", "untaught_in"]

WEAK = 0.5  # an object a combination names, drawn in fewer of its pictures than this: not learnt


@dataclass(frozen=True)
class Untaught:
    name: str
    terms: tuple[tuple[str, str], ...]  # (group, term id) the combination is made of
    object: tuple[str, str]  # (group, term id) of its weakest object
    drawn: int  # pictures of the model's tests that showed it
    of: int  # pictures that asked for it

    def words(self, vocabulary: Vocabulary, lang: str) -> dict[str, Any]:
        """The combination and its object in the person's language, as the model's own words."""
        return {
            "name": self.name,
            "terms": [vocabulary.word(g, t, lang) for g, t in self.terms],
            "object": vocabulary.word(*self.object, lang),
            "drawn": self.drawn,
            "of": self.of,
        }


def _terms(selection: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    if not isinstance(selection, dict):
        raise TypeError("a selection is an object")
    for group, value in selection.items():
        if isinstance(value, list):  # a counted group: [[term id, count], ...]
            out += [(group, str(k)) for k, _ in value]
        else:
            out.append((group, str(value)))
    return tuple(out)


def _term_of(obj: str) -> tuple[str, str]:
    """A measured object ("water=river", food's "has_shrimp=yes") as (group, term id)."""
    head, _, label = obj.partition("=")
    return ("ingredients", head[4:]) if head.startswith("has_") else (head, label)


def untaught(vocabulary: Vocabulary, quality: dict[str, Any] | None) -> list[Untaught]:
    """The combinations of `quality` whose weakest own object was drawn in under WEAK of its
    pictures, skipping any whose terms the vocabulary does not have."""
    out: list[Untaught] = []
    entries = (quality or {}).get("combinations")
    for entry in entries if isinstance(entries, list) else []:
        try:
            objects = entry.get("objects") or {}
            if not objects:
                continue
            weakest = min(objects, key=lambda k: float(objects[k]["drawn"]))
            share, of = float(objects[weakest]["drawn"]), int(objects[weakest]["of"])
            terms, obj = _terms(entry.get("selection", {})), _term_of(weakest)
            name = str(entry["name"])
        except (AttributeError, KeyError, TypeError, ValueError):
            continue  # a package's quality written by hand or by another version: nothing to say
        if share >= WEAK or of <= 0 or not all(vocabulary.term(g, t) for g, t in (*terms, obj)):
            continue
        out.append(Untaught(name, terms, obj, round(share * of), of))
    return out


def untaught_in(vocabulary: Vocabulary, quality: dict[str, Any] | None, prompt: str) -> list[Untaught]:
    """The untaught combinations every term of which the prompt mentions."""
    mentioned = vocabulary.mentions(prompt)
    return [u for u in untaught(vocabulary, quality) if set(u.terms) <= mentioned]
