"""Emphasis in prompts, as A1111 users write it: ``(snow:1.4)``, ``(snow)`` (×1.1), ``[snow]``
(÷1.1), nested brackets multiply, ``\\(`` is a literal bracket. Full-width brackets and colons
(``（雪：1.4）``) read the same, so Chinese prompts need no switch of input method.

``parse_emphasis`` turns a prompt into chunks of (text, weight); the plain text G reads is the
chunks joined. A malformed prompt raises ``InvalidRequest("prompt", ...)`` naming the problem
and where it is. No torch here: the website validates prompts with it. How the weights act on
the conditioning is in ``sampler.Engine.conditioning`` (sentence) and ``token_weights`` (words).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidRequest

__all__ = ["Chunk", "parse_emphasis", "plain_text", "has_emphasis", "token_weights", "MAX_WEIGHT", "BRACKET_STEP"]

BRACKET_STEP = 1.1  # (x) multiplies by this, [x] divides by it (A1111's values)
MAX_WEIGHT = 3.0  # a weight past this only breaks the picture
# Full-width forms a Chinese input method types, read as their ASCII twins.
_FULL_WIDTH = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "：": ":"})
_WEIGHT = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*")


@dataclass(frozen=True)
class Chunk:
    text: str
    weight: float


def _problem(message: str, position: int) -> InvalidRequest:
    return InvalidRequest("prompt", f"emphasis: {message} (at character {position + 1})")


def parse_emphasis(prompt: str) -> list[Chunk]:
    """The prompt as (text, weight) chunks, neighbours of equal weight merged.

    Raises InvalidRequest("prompt", ...) for an unclosed or unmatched bracket, a weight that is
    not a number or is out of 0..MAX_WEIGHT, a ``:weight`` outside round brackets, or an empty
    emphasised part.
    """
    text = prompt.translate(_FULL_WIDTH)
    chunks: list[Chunk] = []
    # Open brackets: (kind, position, index of its first chunk)
    stack: list[tuple[str, int, int]] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            chunks.append(Chunk("".join(buffer), 1.0))
            buffer.clear()

    def scale(start: int, factor: float) -> None:
        for i in range(start, len(chunks)):
            chunks[i] = Chunk(chunks[i].text, chunks[i].weight * factor)

    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in "()[]:\\":
            buffer.append(text[i + 1])
            i += 2
            continue
        if ch in "([":
            flush()
            stack.append((ch, i, len(chunks)))
        elif ch == ":" and stack and stack[-1][0] == "(":
            close = text.find(")", i)
            if close < 0:
                raise _problem("'(' is never closed; add ')' after the weight, e.g. (snow:1.4)", stack[-1][1])
            match = _WEIGHT.fullmatch(text, i + 1, close)
            if match is None:
                raise _problem(
                    f"the weight after ':' must be a number, e.g. (snow:1.4), not {text[i + 1 : close]!r}", i
                )
            weight = float(match.group().strip())
            if not 0.0 <= weight <= MAX_WEIGHT or not math.isfinite(weight):
                raise _problem(f"weight {weight:g} is out of range; use 0 to {MAX_WEIGHT:g}", i + 1)
            _, opened, first = stack.pop()
            flush()
            if not "".join(c.text for c in chunks[first:]).strip():
                raise _problem("nothing to emphasise inside the brackets", opened)
            scale(first, weight)
            i = close + 1
            continue
        elif ch in ")]":
            want = "(" if ch == ")" else "["
            if not stack or stack[-1][0] != want:
                raise _problem(f"{ch!r} closes nothing; write \\{ch} for a literal bracket", i)
            _, opened, first = stack.pop()
            flush()
            if not "".join(c.text for c in chunks[first:]).strip():
                raise _problem("nothing to emphasise inside the brackets", opened)
            scale(first, BRACKET_STEP if ch == ")" else 1 / BRACKET_STEP)
        else:
            buffer.append(ch)
        i += 1
    if stack:
        kind, opened, _ = stack[-1]
        closing = ")" if kind == "(" else "]"
        raise _problem(f"{kind!r} is never closed; add {closing!r} or write \\{kind} for a literal bracket", opened)
    flush()
    merged: list[Chunk] = []
    for chunk in chunks:
        if merged and math.isclose(merged[-1].weight, chunk.weight):
            merged[-1] = Chunk(merged[-1].text + chunk.text, merged[-1].weight)
        else:
            merged.append(chunk)
    return merged


def plain_text(chunks: list[Chunk]) -> str:
    """The prompt without its emphasis markup (what the text encoder reads)."""
    return "".join(chunk.text for chunk in chunks)


def has_emphasis(chunks: list[Chunk]) -> bool:
    return any(not math.isclose(chunk.weight, 1.0) for chunk in chunks)


def token_weights(chunks: list[Chunk], count_tokens: Callable[[str], int], total: int) -> list[float]:
    """One weight per token of the plain text (``total`` tokens, start and end tokens excluded):
    each chunk's weight repeated over the tokens it encodes to, as A1111 assigns them. Chunks
    split mid-word can encode to a token more or fewer than the joined text; the list is cut or
    padded with 1.0 to ``total``."""
    weights: list[float] = []
    for chunk in chunks:
        weights.extend([chunk.weight] * count_tokens(chunk.text))
    return (weights + [1.0] * total)[:total]
