"""The generation request as the website sees it, derived from the engine's one definition.

`generation.engine.request` defines the request: `GenerationRequest` (fields, defaults) and
`REQUEST_FIELDS` (kinds and limits). From them this module derives what the web side needs
besides: the stored form of a job (columns, then `Generation.options`), the request a worker
hands back to the engine, and the description the create page renders its inputs from and its
script reads (`page_schema`). The API serializer (generation.api) and the model constraints
(generation.models) read the same specs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from generation.engine.request import REQUEST_FIELDS, FieldSpec, GenerationRequest
from generation.models import MODEL_NAME_MAX_LENGTH, Generation
from generation.prompting.poems import POEM_MAX_CHARS

__all__ = ["REQUEST_FIELDS", "COLUMNS", "OPTIONS", "GenerationSpec", "engine_request", "options_of", "page_schema"]

# Request fields stored in their own columns of Generation; the others go in `Generation.options`.
COLUMNS = ("prompt", "width", "height", "n", "seed", "style")
OPTIONS = tuple(name for name in REQUEST_FIELDS if name not in COLUMNS)

# Inputs the web side adds to the engine's request: which model, and the post a job remixes.
WEB_FIELDS = {
    "model": FieldSpec("model", "text", "", max_length=MODEL_NAME_MAX_LENGTH),
    "remix_of": FieldSpec("remix_of", "int", None, nullable=True, minimum=1),
    # the poem a picture is drawn from (studio poem mode): kept with the job for its poem card
    "poem": FieldSpec("poem", "text", "", max_length=POEM_MAX_CHARS),
}


@dataclass
class GenerationSpec(GenerationRequest):
    """A person's request: the engine's request plus the model to run it (None: the default)."""

    model: str | None = None

    def engine_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in REQUEST_FIELDS}


def options_of(spec: GenerationRequest) -> dict[str, Any]:
    """The request fields a Generation row keeps in `options` (text trimmed)."""
    values = {name: getattr(spec, name) for name in OPTIONS}
    return {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}


def engine_request(generation: Generation) -> GenerationRequest:
    """The engine's request for a stored job: its columns, then its options (defaults for any missing)."""
    values: dict[str, Any] = {name: getattr(generation, name) for name in COLUMNS}
    values["style"] = values["style"] or None
    for name in OPTIONS:
        if name in generation.options:
            values[name] = generation.options[name]
    return GenerationRequest(**values)


def _describe(spec: FieldSpec) -> dict[str, Any]:
    """The spec's fields that say something (those that differ from FieldSpec's own defaults)."""
    unset = {f.name: f.default for f in dataclasses.fields(FieldSpec)}
    return {key: value for key, value in dataclasses.asdict(spec).items() if key == "default" or value != unset[key]}


def page_schema() -> dict[str, dict[str, Any]]:
    """Every input of the create page with its kind, default and limits (for the template and create.js)."""
    return {name: _describe(spec) for name, spec in {**REQUEST_FIELDS, **WEB_FIELDS}.items()}
