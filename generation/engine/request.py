"""What a caller asks for and what it gets back, with the limits the engine enforces.

`GenerationRequest` is the one definition of a generation request: its fields and defaults are
the dataclass's, its limits are `REQUEST_FIELDS`. The website derives its API serializer, the
create page's inputs, the database constraints and the page's script from these two
(generation/schema.py), so a new option is one edit here plus its place on the page.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image

from .emphasis import parse_emphasis
from .errors import InvalidRequest
from .styles import STYLES

__all__ = [
    "MIN_SIZE",
    "MAX_SIZE",
    "SIZE_STEP",
    "MAX_N",
    "MAX_CANDIDATES",
    "MAX_SEED",
    "MAX_PROMPT_CHARS",
    "MIN_TRUNCATION",
    "MAX_FRAMES",
    "FieldSpec",
    "REQUEST_FIELDS",
    "GenerationRequest",
    "GeneratedImage",
]

MIN_SIZE = 256
MAX_SIZE = 1024
SIZE_STEP = 64
MAX_N = 8
MAX_CANDIDATES = 8
MAX_SEED = 2**32 - 1
MAX_PROMPT_CHARS = 1000
MIN_TRUNCATION = 0.0  # exclusive: truncation must be greater than this
MAX_FRAMES = 16  # interpolation frames
MAX_NOISE_LENGTH = 1024  # a source noise's numbers (GALIP's nz is 100)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


@dataclass
class GenerationRequest:
    prompt: str
    width: int = 512
    height: int = 512
    n: int = 1
    seed: int | None = None
    style: str | None = None
    style_strength: float = 1.0
    negative_prompt: str = ""
    truncation: float = 1.0
    candidates: int = 1
    # Creative studio (generation/engine/creative.py). An earlier picture's noise instead of a fresh
    # one: the seed that drew it and the candidate row it kept; moved towards the request's own
    # noise by variation_strength (0: exactly the source's, 1: a fresh noise).
    source_seed: int | None = None
    source_candidate: int = 0
    # ... or the noise itself (every picture records its own as settings["noise"]; an inverted
    # upload has no seed): takes precedence over source_seed.
    source_noise: list[float] | None = None
    variation_strength: float = 0.0
    # Interpolation: `frames` pictures from (seed or source, prompt) to (interpolate_seed,
    # interpolate_prompt); 0 frames: not an interpolation.
    frames: int = 0
    interpolate_seed: int | None = None
    interpolate_prompt: str = ""

    def validate(self) -> None:
        """Raise InvalidRequest(field, message) for the first field that is out of range."""
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            raise InvalidRequest("prompt", "write a prompt: it is empty")
        if len(self.prompt) > MAX_PROMPT_CHARS:
            raise InvalidRequest("prompt", f"at most {MAX_PROMPT_CHARS} characters (got {len(self.prompt)})")
        for name in ("width", "height"):
            value = getattr(self, name)
            if not _is_int(value) or not MIN_SIZE <= value <= MAX_SIZE or value % SIZE_STEP:
                raise InvalidRequest(
                    name, f"must be a multiple of {SIZE_STEP} from {MIN_SIZE} to {MAX_SIZE} (got {value!r})"
                )
        if not _is_int(self.n) or not 1 <= self.n <= MAX_N:
            raise InvalidRequest("n", f"number of images must be 1 to {MAX_N} (got {self.n!r})")
        if not _is_int(self.candidates) or not 1 <= self.candidates <= MAX_CANDIDATES:
            raise InvalidRequest("candidates", f"must be 1 to {MAX_CANDIDATES} (got {self.candidates!r})")
        if self.seed is not None and (not _is_int(self.seed) or not 0 <= self.seed <= MAX_SEED):
            raise InvalidRequest("seed", f"must be an integer from 0 to {MAX_SEED} (got {self.seed!r})")
        if self.style not in (None, "") and self.style not in STYLES:
            raise InvalidRequest("style", f"unknown style {self.style!r}; known styles: {', '.join(sorted(STYLES))}")
        if not _is_number(self.style_strength) or not 0.0 <= self.style_strength <= 1.0:
            raise InvalidRequest("style_strength", f"must be from 0 to 1 (got {self.style_strength!r})")
        if not _is_number(self.truncation) or not MIN_TRUNCATION < self.truncation <= 1.0:
            raise InvalidRequest("truncation", f"must be greater than 0 and at most 1 (got {self.truncation!r})")
        if not isinstance(self.negative_prompt, str):
            raise InvalidRequest("negative_prompt", "must be text")
        if len(self.negative_prompt) > MAX_PROMPT_CHARS:
            raise InvalidRequest(
                "negative_prompt", f"at most {MAX_PROMPT_CHARS} characters (got {len(self.negative_prompt)})"
            )
        parse_emphasis(self.prompt)  # malformed emphasis: InvalidRequest("prompt", what and where)
        self._validate_creative()

    def _validate_creative(self) -> None:
        for name in ("source_seed", "interpolate_seed"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or not 0 <= value <= MAX_SEED):
                raise InvalidRequest(name, f"must be an integer from 0 to {MAX_SEED} (got {value!r})")
        if not _is_int(self.source_candidate) or not 0 <= self.source_candidate < MAX_CANDIDATES:
            raise InvalidRequest(
                "source_candidate", f"must be 0 to {MAX_CANDIDATES - 1} (got {self.source_candidate!r})"
            )
        if self.source_noise is not None and (
            not isinstance(self.source_noise, list)
            or not 1 <= len(self.source_noise) <= MAX_NOISE_LENGTH
            or not all(_is_number(v) and abs(v) <= 100 for v in self.source_noise)
        ):
            raise InvalidRequest("source_noise", f"must be a list of 1 to {MAX_NOISE_LENGTH} numbers from -100 to 100")
        if not _is_number(self.variation_strength) or not 0.0 <= self.variation_strength <= 1.0:
            raise InvalidRequest("variation_strength", f"must be from 0 to 1 (got {self.variation_strength!r})")
        if not isinstance(self.interpolate_prompt, str) or len(self.interpolate_prompt) > MAX_PROMPT_CHARS:
            raise InvalidRequest("interpolate_prompt", f"text of at most {MAX_PROMPT_CHARS} characters")
        if not _is_int(self.frames) or not (self.frames == 0 or 2 <= self.frames <= MAX_FRAMES):
            raise InvalidRequest("frames", f"must be 0 (no interpolation) or 2 to {MAX_FRAMES} (got {self.frames!r})")
        if self.frames:
            if self.interpolate_seed is None and not self.interpolate_prompt.strip():
                raise InvalidRequest(
                    "frames", "an interpolation needs an end: interpolate_seed, interpolate_prompt or both"
                )
            if self.n != 1:
                raise InvalidRequest("n", f"an interpolation makes one series of frames: n must be 1 (got {self.n})")
            if self.interpolate_prompt.strip():
                try:
                    parse_emphasis(self.interpolate_prompt)
                except InvalidRequest as exc:
                    raise InvalidRequest("interpolate_prompt", exc.message) from exc


@dataclass
class GeneratedImage:
    image: Image.Image  # RGB, exactly width x height
    seed: int  # this image's own seed (base seed + index, mod 2**32)
    clip_score: float  # CLIP image-text cosine of the kept candidate
    settings: dict[str, Any] = field(default_factory=dict)  # everything needed to reproduce it
    candidate_scores: list[float] = field(default_factory=list)  # all K scores, kept one included


@dataclass(frozen=True)
class FieldSpec:
    """One field of GenerationRequest as a form or an API sees it: its kind, default and limits.

    A vector (a list of numbers) has each number within `minimum`..`maximum` and at most
    `max_length` of them. Numbers are bounded by `minimum`..`maximum` (inclusive, except a `minimum` marked
    `exclusive_minimum`) and, for sizes, a `step`; text by `max_length`; a named option by
    `choices` (the empty string means none). `nullable` fields may be left out (`seed`: random).
    """

    name: str
    kind: Literal["text", "int", "float", "choice", "vector"]
    default: Any
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    step: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()


def _request_fields() -> dict[str, FieldSpec]:
    defaults = {
        f.name: (f.default if f.default is not dataclasses.MISSING else None)
        for f in dataclasses.fields(GenerationRequest)
    }
    specs = [
        FieldSpec("prompt", "text", None, required=True, max_length=MAX_PROMPT_CHARS),
        FieldSpec("width", "int", defaults["width"], minimum=MIN_SIZE, maximum=MAX_SIZE, step=SIZE_STEP),
        FieldSpec("height", "int", defaults["height"], minimum=MIN_SIZE, maximum=MAX_SIZE, step=SIZE_STEP),
        FieldSpec("n", "int", defaults["n"], minimum=1, maximum=MAX_N),
        FieldSpec("seed", "int", defaults["seed"], nullable=True, minimum=0, maximum=MAX_SEED),
        FieldSpec("style", "choice", "", choices=tuple(STYLES)),  # "" (or None): no style
        FieldSpec("style_strength", "float", defaults["style_strength"], minimum=0.0, maximum=1.0),
        FieldSpec("negative_prompt", "text", defaults["negative_prompt"], max_length=MAX_PROMPT_CHARS),
        FieldSpec(
            "truncation", "float", defaults["truncation"], minimum=MIN_TRUNCATION, exclusive_minimum=True, maximum=1.0
        ),
        FieldSpec("candidates", "int", defaults["candidates"], minimum=1, maximum=MAX_CANDIDATES),
        FieldSpec("source_seed", "int", None, nullable=True, minimum=0, maximum=MAX_SEED),
        FieldSpec("source_candidate", "int", 0, minimum=0, maximum=MAX_CANDIDATES - 1),
        FieldSpec(
            "source_noise", "vector", None, nullable=True, minimum=-100.0, maximum=100.0, max_length=MAX_NOISE_LENGTH
        ),
        FieldSpec("variation_strength", "float", 0.0, minimum=0.0, maximum=1.0),
        FieldSpec("frames", "int", 0, minimum=0, maximum=MAX_FRAMES),
        FieldSpec("interpolate_seed", "int", None, nullable=True, minimum=0, maximum=MAX_SEED),
        FieldSpec("interpolate_prompt", "text", "", max_length=MAX_PROMPT_CHARS),
    ]
    described = {spec.name: spec for spec in specs}
    if set(described) != set(defaults):  # a new field needs its limits written here too
        raise AssertionError(f"REQUEST_FIELDS and GenerationRequest differ: {sorted(set(described) ^ set(defaults))}")
    return {name: described[name] for name in defaults}


# The fields of GenerationRequest in declaration order, with the limits validate() enforces.
REQUEST_FIELDS: dict[str, FieldSpec] = _request_fields()
