"""Recipe mode for a food model: an ordered list of ingredients (each with a count) on a base,
written as the recipe prompt the model read while training — ``Title; base, ingredient, …``
(``标题；主食、配料、…`` in Chinese) — with counts spelled in the model's own number words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .vocabulary import Vocabulary

__all__ = ["MAX_INGREDIENTS", "Recipe", "RecipeError", "build_recipe"]

MAX_INGREDIENTS = 6


class RecipeError(ValueError):
    """A recipe the model cannot read; `code` names the problem, `detail` what was wrong."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Recipe:
    title: str
    prompt: str
    description: str  # the same dish in the model's describing grammar (what the card shows)
    selection: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "prompt": self.prompt,
            "description": self.description,
            "selection": self.selection,
        }


def build_recipe(
    vocabulary: Vocabulary,
    *,
    ingredients: list[tuple[str, int]],
    base: str = "none",
    lang: str = "en",
    vessel: str | None = None,
    table: str | None = None,
) -> Recipe:
    """The recipe prompt for ingredients in this order. Raises RecipeError for a model without
    a recipe grammar, an empty list, an unknown ingredient or base, or a count out of range."""
    group = vocabulary.group("ingredients")
    rules = vocabulary.compose_rules.get("recipe", {}).get(lang)
    if group is None or rules is None:
        raise RecipeError("no_recipes")
    if not ingredients:
        raise RecipeError("empty")
    if len(ingredients) > MAX_INGREDIENTS:
        raise RecipeError("too_many", str(len(ingredients)))
    max_count = int(group.get("max_count", 4))
    seen: set[str] = set()
    for name, count in ingredients:
        if vocabulary.term("ingredients", name) is None:
            raise RecipeError("unknown_ingredient", name)
        if name in seen:
            raise RecipeError("repeated", name)
        seen.add(name)
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= max_count:
            raise RecipeError("count", f"{name}: {count!r}")
    base_term = vocabulary.term("base", base)
    if base_term is None:
        raise RecipeError("unknown_base", base)
    numbers = vocabulary.data.get("numbers", {}).get(lang, [])
    names = [vocabulary.term("ingredients", k)["name"][lang] for k, _ in ingredients]  # type: ignore[index]
    title_word = base_term.get("title", {}).get(lang, "")
    if lang == "en":
        title = (" ".join(names[:2]).capitalize() + " " + title_word).strip()
    else:
        title = "".join(names[:2]) + title_word
    listed = []
    for (name, count), word in zip(ingredients, names, strict=True):
        if count == 1:
            listed.append(word)
        else:
            phrase = vocabulary.term("ingredients", name)["phrase"][lang]  # type: ignore[index]
            listed.append(phrase.replace("{n}", numbers[count] if count < len(numbers) else str(count)))
    parts = ([base_term["name"][lang]] if base != "none" else []) + listed
    prompt = title + rules["sep"] + rules["join"].join(parts)
    selection: dict[str, Any] = {"base": base, "ingredients": [[k, n] for k, n in ingredients]}
    if vessel:
        selection["vessel"] = vessel
    if table:
        selection["table"] = table
    return Recipe(title, prompt, vocabulary.compose(selection, lang), vocabulary.complete(selection))
