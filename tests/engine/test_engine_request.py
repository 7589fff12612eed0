"""GenerationRequest.validate: every bad input is an InvalidRequest naming its field."""

from __future__ import annotations

import pytest

from generation.engine import (
    MAX_CANDIDATES,
    MAX_N,
    MAX_PROMPT_CHARS,
    MAX_SEED,
    STYLES,
    GenerationRequest,
    InvalidRequest,
    read_png_settings,
)


def test_a_reasonable_request_is_valid():
    GenerationRequest("a cat", width=768, height=512, n=4, seed=MAX_SEED, style="watercolor", candidates=8).validate()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "   \n\t"}, "prompt"),
        ({"prompt": "x" * (MAX_PROMPT_CHARS + 1)}, "prompt"),
        ({"width": 192}, "width"),
        ({"width": 1088}, "width"),
        ({"width": 500}, "width"),
        ({"height": 0}, "height"),
        ({"height": 2048}, "height"),
        ({"height": 512.0}, "height"),
        ({"n": 0}, "n"),
        ({"n": MAX_N + 1}, "n"),
        ({"n": True}, "n"),
        ({"candidates": 0}, "candidates"),
        ({"candidates": MAX_CANDIDATES + 1}, "candidates"),
        ({"seed": -1}, "seed"),
        ({"seed": MAX_SEED + 1}, "seed"),
        ({"seed": "7"}, "seed"),
        ({"style": "no-such-style"}, "style"),
        ({"style_strength": 1.5}, "style_strength"),
        ({"style_strength": -0.1}, "style_strength"),
        ({"style_strength": float("nan")}, "style_strength"),
        ({"truncation": 0.0}, "truncation"),
        ({"truncation": 1.2}, "truncation"),
        ({"negative_prompt": "y" * (MAX_PROMPT_CHARS + 1)}, "negative_prompt"),
    ],
)
def test_bad_inputs_name_their_field(changes, field):
    values = {"prompt": "a cat", "width": 512, "height": 512}
    values.update(changes)
    with pytest.raises(InvalidRequest) as info:
        GenerationRequest(**values).validate()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_size_message_says_what_is_allowed():
    with pytest.raises(InvalidRequest, match="multiple of 64 from 256 to 1024"):
        GenerationRequest("a cat", width=300).validate()


def test_unknown_style_lists_the_known_ones():
    with pytest.raises(InvalidRequest, match="watercolor"):
        GenerationRequest("a cat", style="vaporwave-2000").validate()


def test_empty_style_means_no_style():
    GenerationRequest("a cat", style="").validate()
    GenerationRequest("a cat", style=None).validate()


def test_style_table_has_at_least_twenty_styles_with_the_prompt_in_them():
    assert len(STYLES) >= 20
    for key in ("anime", "oil_painting", "watercolor", "ink_wash", "pixel_art", "photograph", "sketch"):
        assert key in STYLES
    for style in STYLES.values():
        assert "a red fox" in style.apply("a red fox")


def test_reading_settings_from_something_that_is_not_a_png_is_invalid():
    with pytest.raises(InvalidRequest) as info:
        read_png_settings(b"GIF89a not a png")
    assert info.value.field == "image"
