"""The shape a package's `vocabulary` must have before the studio reads it (`Vocabulary.of`).

A demo package's vocabulary is written at export, but a package made by hand or by another
version can get a field wrong; the studio would then fail on some prompt with a bare KeyError.
`problem` finds the first thing wrong, by JSON Schema (the shape) and then by the references
between its parts (a rule naming a group the vocabulary does not have).
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

__all__ = ["VOCABULARY_SCHEMA", "problem"]

_TEXT = {"type": "string"}
_WORDS = {"type": "array", "items": _TEXT}
_TEXTS = {"type": "object", "additionalProperties": _TEXT}  # by language (phrase, label), or slot -> term id
# a condition on other groups: group -> the term ids it must be one of
_WHEN = {"type": "object", "additionalProperties": {"type": "array", "items": _TEXT, "minItems": 1}}
_SAYING = {"type": "object", "required": ["when", "en", "zh"], "properties": {"when": _WHEN, "en": _TEXT, "zh": _TEXT}}

_TERM = {
    "type": "object",
    "required": ["id", "phrase"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "en": _WORDS,
        "zh": _WORDS,
        "phrase": _TEXTS,
        "name": _TEXTS,
        "example": _TEXTS,
        "selection": {"type": "object"},
        "sample": {"type": "object", "properties": {"path": _TEXT, "prompt": _TEXT, "seed": {"type": "integer"}}},
        "phrase_when": {"type": "array", "items": _SAYING},
    },
}
# a counted group's terms (food's ingredients) are phrased with their count and named in recipes
_COUNTED_TERM = {
    "type": "object",
    "properties": {
        "phrase": {"required": ["en", "zh"]},
        "name": {"required": ["en", "zh"]},
    },
    "required": ["name"],
}

_GROUP = {
    "type": "object",
    "required": ["name", "terms"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "kind": _TEXT,
        "label": _TEXTS,
        "counted": {"type": "boolean"},
        "max_count": {"type": "integer", "minimum": 1},
        "min_items": {"type": "integer", "minimum": 0},
        "implies": {"type": "object", "additionalProperties": _WHEN},
        "terms": {"type": "array", "minItems": 1, "items": _TERM},
    },
    "if": {"properties": {"counted": {"const": True}}, "required": ["counted"]},
    "then": {"properties": {"terms": {"items": _COUNTED_TERM}}},
}

VOCABULARY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["groups", "compose"],
    "properties": {
        "format": {"type": "integer"},
        "category": _TEXT,
        "groups": {"type": "array", "minItems": 1, "items": _GROUP},
        "compose": {
            "type": "object",
            "required": ["variants"],
            "properties": {
                "slots": _TEXTS,
                "items": _WORDS,
                "variants": {"type": "array", "minItems": 1, "items": _SAYING},
                "list": {"type": "object", "additionalProperties": {"type": "object", "properties": {"wrap": _TEXT}}},
                "recipe": {"type": "object", "additionalProperties": _TEXTS},
            },
        },
        "numbers": {"type": "object", "additionalProperties": _WORDS},
        "words": {"type": "object", "properties": {"en": _WORDS, "zh": _WORDS}},
        "counterfactual": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "selection"],
                "properties": {"name": _TEXT, "selection": {"type": "object"}},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(VOCABULARY_SCHEMA)


def _where(path: Any) -> str:
    return "vocabulary" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def problem(data: Any) -> str | None:
    """The first thing wrong with a vocabulary ("where: what"), or None when the studio can read
    it: its shape, then every group a rule names (compose's slots, items and conditions, a
    term's phrases and implications, the counterfactual selections) is one of its groups, each
    slot's default is a term of its group, and one of compose's variants has no condition, so a
    prompt can always be composed."""
    error = best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        return f"{_where(error.absolute_path)}: {error.message}"
    groups = {g["name"]: {t["id"] for t in g["terms"]} for g in data["groups"]}
    compose = data["compose"]
    named: list[tuple[str, list[Any], str, str | None]] = []  # (where, path, group, term or None)
    named += [("slot", ["compose", "slots", k], k, v) for k, v in compose.get("slots", {}).items()]
    named += [("item", ["compose", "items", i], k, None) for i, k in enumerate(compose.get("items", []))]
    for i, variant in enumerate(compose["variants"]):
        named += [("condition", ["compose", "variants", i, "when", k], k, None) for k in variant["when"]]
    for gi, group in enumerate(data["groups"]):
        for term_id, when in group.get("implies", {}).items():
            named.append(("implication", ["groups", gi, "implies", term_id], group["name"], term_id))
            named += [("implication", ["groups", gi, "implies", term_id, k], k, None) for k in when]
        for ti, term in enumerate(group["terms"]):
            for pi, saying in enumerate(term.get("phrase_when", [])):
                path = ["groups", gi, "terms", ti, "phrase_when", pi, "when"]
                named += [("condition", [*path, k], k, None) for k in saying["when"]]
    for ci, entry in enumerate(data.get("counterfactual", [])):
        named += [("selection", ["counterfactual", ci, "selection", k], k, None) for k in entry["selection"]]
    for what, path, group, term in named:
        if group not in groups:
            return f"{_where(path)}: the {what} names {group!r}, which is not one of the vocabulary's groups"
        if term is not None and term not in groups[group]:
            return f"{_where(path)}: {term!r} is not a term of {group!r}"
    if not any(not v["when"] for v in compose["variants"]):
        return f"{_where(['compose', 'variants'])}: no variant without a condition, so some prompts cannot be written"
    return None
