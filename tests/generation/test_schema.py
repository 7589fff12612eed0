"""One request schema: the API, the create page, the database and the engine agree on every limit."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from generation.api import GenerationCreateInput
from generation.engine import GenerationRequest, InvalidRequest
from generation.engine.request import REQUEST_FIELDS, FieldSpec
from generation.models import Generation
from generation.schema import OPTIONS, engine_request, page_schema

NUMBERS = [spec for spec in REQUEST_FIELDS.values() if spec.kind in ("int", "float")]
TEXTS = [spec for spec in REQUEST_FIELDS.values() if spec.kind == "text"]


# Fields that only make sense with another one: an interpolation needs an end.
COMPANIONS = {"frames": {"interpolate_seed": 1}}


def _with_companions(values: dict) -> dict:
    extra = {k: v for name in values for k, v in COMPANIONS.get(name, {}).items()}
    return {"prompt": "a cat", **extra, **values}


def engine_accepts(**values) -> bool:
    try:
        GenerationRequest(**_with_companions(values)).validate()
    except InvalidRequest:
        return False
    return True


def api_accepts(**values) -> bool:
    return GenerationCreateInput(data=_with_companions(values)).is_valid()


def just_past(spec: FieldSpec, bound: float, direction: int) -> float:
    """The nearest value on the wrong side of `bound` (for an int field, the next integer)."""
    if spec.kind == "int":
        return int(bound) + direction * (spec.step or 1)
    return bound + direction * 1e-6


def test_every_request_field_has_a_spec_and_a_serializer_field():
    assert set(REQUEST_FIELDS) == {f for f in GenerationRequest.__dataclass_fields__}
    assert set(REQUEST_FIELDS) <= set(GenerationCreateInput().fields)


@pytest.mark.parametrize("spec", NUMBERS, ids=lambda s: s.name)
def test_api_and_engine_agree_on_each_numbers_bounds(spec):
    lowest = spec.minimum if not spec.exclusive_minimum else spec.minimum + 1e-6
    for value in (lowest, spec.maximum):
        assert engine_accepts(**{spec.name: value}) and api_accepts(**{spec.name: value}), value
    for value in (just_past(spec, spec.maximum, +1), just_past(spec, spec.minimum, -1)):
        assert not engine_accepts(**{spec.name: value}) and not api_accepts(**{spec.name: value}), value
    if spec.exclusive_minimum:
        assert not engine_accepts(**{spec.name: spec.minimum}) and not api_accepts(**{spec.name: spec.minimum})
    if spec.step:
        off_step = int(spec.minimum) + spec.step // 2
        assert not engine_accepts(**{spec.name: off_step}) and not api_accepts(**{spec.name: off_step})


@pytest.mark.parametrize("spec", TEXTS, ids=lambda s: s.name)
def test_api_and_engine_agree_on_text_lengths(spec):
    assert engine_accepts(**{spec.name: "x" * spec.max_length}) and api_accepts(**{spec.name: "x" * spec.max_length})
    too_long = "x" * (spec.max_length + 1)
    assert not engine_accepts(**{spec.name: too_long}) and not api_accepts(**{spec.name: too_long})


def test_api_and_engine_agree_on_styles():
    styles = REQUEST_FIELDS["style"].choices
    assert len(styles) >= 20
    for style in ("", *styles):
        assert engine_accepts(style=style) and api_accepts(style=style)
    assert not engine_accepts(style="vaporwave-2000") and not api_accepts(style="vaporwave-2000")


def test_api_defaults_are_the_engines():
    validated = GenerationCreateInput(data={"prompt": "a cat"})
    assert validated.is_valid(), validated.errors
    engine = GenerationRequest("a cat")
    for name in REQUEST_FIELDS:
        if name in ("prompt", "seed", "style"):
            continue
        if REQUEST_FIELDS[name].nullable:  # left out means None to both
            assert name not in validated.validated_data and getattr(engine, name) is None, name
            continue
        assert validated.validated_data[name] == getattr(engine, name), name
    assert validated.validated_data["style"] == "" and engine.style is None  # both mean "no style"
    assert "seed" not in validated.validated_data and engine.seed is None  # both mean "random"


def test_the_database_constraints_are_the_engines_limits():
    constraints = {c.name: c.condition for c in Generation._meta.constraints if hasattr(c, "condition")}
    for name in ("width", "height", "n", "seed"):
        spec = REQUEST_FIELDS[name]
        bounds = dict(constraints[f"generation_{name}_range"].children)
        assert bounds == {f"{name}__gte": spec.minimum, f"{name}__lte": spec.maximum}


def test_a_stored_job_gives_the_engine_back_its_request(hamlet, tiny_model):
    from generation import services
    from generation.owners import Owner

    spec = services.GenerationSpec(
        prompt="  a quiet lake ",
        width=768,
        height=512,
        n=2,
        seed=5,
        style="watercolor",
        style_strength=0.4,
        negative_prompt=" people ",
        truncation=0.7,
        candidates=2,
    )
    generation = services.generation_create(owner=Owner(user_id=hamlet.pk), spec=spec)
    assert set(generation.options) == set(OPTIONS)
    request = engine_request(generation)
    assert request == GenerationRequest(
        "a quiet lake",
        width=768,
        height=512,
        n=2,
        seed=5,
        style="watercolor",
        style_strength=0.4,
        negative_prompt="people",
        truncation=0.7,
        candidates=2,
    )


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, dict[str, str | None]] = {}
        self.options: dict[str, list[str]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("input", "textarea", "select") and values.get("id"):
            self.by_id[values["id"]] = values
        if tag == "select":
            self._select = values.get("id")
            self.options[self._select] = []
        if tag == "option" and self._select:
            self.options[self._select].append(values.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


@pytest.mark.django_db
def test_the_create_page_states_the_same_limits(client, tiny_model):
    html = client.get("/").content.decode()
    page = _Inputs()
    page.feed(html)
    inputs = page.by_id
    specs = REQUEST_FIELDS
    for name in ("prompt", "negative_prompt"):
        assert inputs[name]["maxlength"] == str(specs[name].max_length)
    for name in ("width", "height"):
        spec = specs[name]
        assert (inputs[name]["min"], inputs[name]["max"], inputs[name]["step"], inputs[name]["value"]) == (
            str(spec.minimum),
            str(spec.maximum),
            str(spec.step),
            str(spec.default),
        )
    assert (inputs["seed"]["min"], inputs["seed"]["max"]) == (str(specs["seed"].minimum), str(specs["seed"].maximum))
    strength = specs["style_strength"]
    assert float(inputs["style_strength"]["min"]) == strength.minimum
    assert float(inputs["style_strength"]["max"]) == strength.maximum
    assert float(inputs["style_strength"]["value"]) == strength.default
    assert page.options["n"] == [str(i) for i in range(specs["n"].minimum, specs["n"].maximum + 1)]
    candidates = [int(v) for v in page.options["candidates"]]
    assert min(candidates) == specs["candidates"].minimum and max(candidates) == specs["candidates"].maximum
    assert page.options["style"] == ["", *specs["style"].choices]
    # The script reads the same schema from the page.
    config = json.loads(re.search(r'<script id="create-config" type="application/json">(.*?)</script>', html, re.S)[1])
    assert config["schema"] == json.loads(json.dumps(page_schema()))
    for name, spec in specs.items():
        described = config["schema"][name]
        assert (described["kind"], described["default"]) == (spec.kind, spec.default)
        for limit in ("minimum", "maximum", "step", "max_length"):
            assert described.get(limit) == getattr(spec, limit), (name, limit)
