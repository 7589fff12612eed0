"""What a caller asks for and what it gets back, with the limits the engine enforces."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

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
        if not _is_number(self.truncation) or not 0.0 < self.truncation <= 1.0:
            raise InvalidRequest("truncation", f"must be greater than 0 and at most 1 (got {self.truncation!r})")
        if not isinstance(self.negative_prompt, str):
            raise InvalidRequest("negative_prompt", "must be text")
        if len(self.negative_prompt) > MAX_PROMPT_CHARS:
            raise InvalidRequest(
                "negative_prompt", f"at most {MAX_PROMPT_CHARS} characters (got {len(self.negative_prompt)})"
            )


@dataclass
class GeneratedImage:
    image: Image.Image  # RGB, exactly width x height
    seed: int  # this image's own seed (base seed + index, mod 2**32)
    clip_score: float  # CLIP image-text cosine of the kept candidate
    settings: dict[str, Any] = field(default_factory=dict)  # everything needed to reproduce it
    candidate_scores: list[float] = field(default_factory=list)  # all K scores, kept one included
