"""Counterfactual mode and "surprise me": combinations the world does not have (a green sun,
strawberries on noodles) that the model was taught to draw, from its own vocabulary.

The combinations are the package's `vocabulary.counterfactual` list (written at export from the
renderers' counterfactual hold-outs); "surprise me" picks one and fills every other group of the
model's grammar with a term drawn at random, so each press gives a new scene around it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from .vocabulary import Selection, Vocabulary

__all__ = ["Surprise", "counterfactuals", "surprise"]


@dataclass(frozen=True)
class Surprise:
    name: str
    selection: Selection
    prompts: dict[str, str]  # lang -> prompt

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "selection": self.selection, "prompts": self.prompts}


def counterfactuals(vocabulary: Vocabulary) -> list[Surprise]:
    """The model's counterfactual combinations, each as its plainest prompt."""
    out = []
    for entry in vocabulary.data.get("counterfactual", []):
        selection = dict(entry["selection"])
        out.append(Surprise(entry["name"], vocabulary.complete(selection), _prompts(vocabulary, selection)))
    return out


def surprise(vocabulary: Vocabulary, seed: int | None = None) -> Surprise:
    """A counterfactual combination in a random scene; the same seed gives the same surprise."""
    entries = vocabulary.data.get("counterfactual", [])
    if not entries:
        raise LookupError(vocabulary.category)
    rng = random.Random(seed)
    entry = rng.choice(entries)
    selection: Selection = {}
    rules = vocabulary.compose_rules
    for group in vocabulary.groups:
        name = group["name"]
        if group.get("counted"):
            continue
        if name in rules.get("slots", {}) or name in rules.get("items", []):
            selection[name] = rng.choice(group["terms"])["id"]
    fixed = dict(entry["selection"])
    if "ingredients" in fixed:
        fixed["ingredients"] = [[k, rng.randint(1, 3)] for k, _ in fixed["ingredients"]]
    selection.update(fixed)
    if vocabulary.category == "landscape" and "snow" in fixed:
        selection["mountains"] = "snowy"
    return Surprise(entry["name"], vocabulary.complete(selection), _prompts(vocabulary, selection))


def _prompts(vocabulary: Vocabulary, selection: Selection) -> dict[str, str]:
    return {lang: vocabulary.compose(selection, lang) for lang in ("en", "zh")}
