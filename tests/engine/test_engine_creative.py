"""The creative studio in the engine: emphasis, variations, restyles, interpolation, inversion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generation.engine import Engine, GenerationRequest, InvalidRequest
from generation.engine.creative import invert, pixel_error, slerp, vary
from generation.engine.emphasis import BRACKET_STEP, Chunk, parse_emphasis, plain_text


def pixels(result) -> np.ndarray:
    return np.asarray(result.image, dtype=np.int16)


# --- emphasis syntax ---------------------------------------------------------------------------


def test_emphasis_reads_weights_brackets_and_nesting():
    assert parse_emphasis("a (snowy:1.4) mountain") == [Chunk("a ", 1.0), Chunk("snowy", 1.4), Chunk(" mountain", 1.0)]
    chunks = parse_emphasis("((red)) sun [sea]")
    assert chunks[0].text == "red" and chunks[0].weight == pytest.approx(BRACKET_STEP**2)
    assert chunks[-1].text == "sea" and chunks[-1].weight == pytest.approx(1 / BRACKET_STEP)
    assert parse_emphasis("a (b (c:2) d:0.5) e")[2] == Chunk("c", 1.0)  # 2 × 0.5


def test_emphasis_in_chinese_with_full_width_brackets_and_colon():
    assert parse_emphasis("（雪：1.4）的山") == [Chunk("雪", 1.4), Chunk("的山", 1.0)]
    assert parse_emphasis("(明月:0.5)照大江") == [Chunk("明月", 0.5), Chunk("照大江", 1.0)]


def test_escaped_brackets_and_plain_colons_are_text():
    chunks = parse_emphasis(r"a \(cat\) at time: dusk")
    assert chunks == [Chunk("a (cat) at time: dusk", 1.0)]


@pytest.mark.parametrize(
    ("prompt", "names"),
    [
        ("a (snow", "'(' is never closed"),
        ("a snow)", "')' closes nothing"),
        ("[snow", "'[' is never closed"),
        ("(snow:abc)", "must be a number"),
        ("(snow:9)", "out of range"),
        ("(snow:-1)", "out of range"),
        ("(:1.2) mountain", "nothing to emphasise"),
        ("(snow:1.2", "never closed"),
        ("（雪：很多）", "must be a number"),
    ],
)
def test_malformed_emphasis_names_the_problem_and_where(prompt, names):
    with pytest.raises(InvalidRequest) as info:
        GenerationRequest(prompt).validate()
    assert info.value.field == "prompt"
    assert names in info.value.message and "at character" in info.value.message


# --- emphasis on the conditioning --------------------------------------------------------------


def test_weight_one_is_the_plain_prompt_and_other_weights_move_sentence_and_words(tiny_engine: Engine):
    plain = tiny_engine.conditioning(GenerationRequest("a snowy mountain by a lake"))
    same = tiny_engine.conditioning(GenerationRequest("a (snowy:1) mountain by a lake"))
    assert torch.equal(plain.embedding, same.embedding)
    heavy = tiny_engine.conditioning(GenerationRequest("a (snowy:2.5) mountain by a lake"))
    assert not torch.allclose(plain.embedding, heavy.embedding)
    assert heavy.embedding.norm() == pytest.approx(float(plain.embedding.norm()), rel=1e-4)  # norm kept
    # More weight on a part moves the sentence towards what that part adds.
    without, _ = tiny_engine.encode_text("a mountain by a lake")
    direction = plain.embedding - without
    light = tiny_engine.conditioning(GenerationRequest("a (snowy:0.3) mountain by a lake"))
    assert float((heavy.embedding - light.embedding) @ direction) > 0


def test_emphasis_scales_the_emphasised_tokens_of_a_word_reading_generator():
    engine = Engine.load("demo-landscape", device="cpu")
    assert engine.reads_words
    plain = engine.conditioning(GenerationRequest("a snowy mountain"))
    heavy = engine.conditioning(GenerationRequest("a (snowy:2) mountain"))
    assert plain.words is not None and heavy.words is not None and plain.words.shape == heavy.words.shape
    ratio = heavy.words.norm(dim=-1) / plain.words.norm(dim=-1)
    # start, "a", "snowy", "mountain", end: the emphasised token grows the most.
    assert int(ratio.argmax()) == 2


def test_plain_text_drops_the_markup():
    assert plain_text(parse_emphasis("a (snowy:1.4) [mountain]")) == "a snowy mountain"


# --- variations and restyles ------------------------------------------------------------------


def test_noise_arithmetic():
    a, b = torch.randn(100), torch.randn(100)
    assert torch.allclose(slerp(a, b, 0.0), a, atol=1e-5) and torch.allclose(slerp(a, b, 1.0), b, atol=1e-5)
    fresh = torch.randn(3, 100)
    assert torch.equal(vary(a, fresh, 0.0), a.expand(3, -1))
    assert torch.allclose(vary(a, fresh, 1.0), fresh, atol=1e-6)


def test_strength_zero_reproduces_the_source_and_more_strength_moves_further(tiny_engine: Engine):
    source = tiny_engine.generate(GenerationRequest("a red fox", width=256, height=256, seed=42))[0]
    same = tiny_engine.generate(
        GenerationRequest("a red fox", width=256, height=256, seed=9, source_noise=source.settings["noise"])
    )[0]
    assert np.array_equal(pixels(same), pixels(source))
    distances = []
    for strength in (0.1, 0.5, 1.0):
        varied = tiny_engine.generate(
            GenerationRequest(
                "a red fox", width=256, height=256, n=4, seed=9, source_seed=42, variation_strength=strength
            )
        )
        distances.append(np.mean([np.abs(pixels(v) - pixels(source)).mean() for v in varied]))
        assert varied[0].settings["source_seed"] == 42 and varied[0].settings["variation_strength"] == strength
    assert distances[0] < distances[1] < distances[2]
    assert distances[0] > 0


def test_a_variation_records_the_noise_it_used_so_it_can_be_varied_again(tiny_engine: Engine):
    first = tiny_engine.generate(
        GenerationRequest("a red fox", width=256, height=256, seed=3, source_seed=42, variation_strength=0.4)
    )[0]
    again = tiny_engine.generate(
        GenerationRequest("a red fox", width=256, height=256, seed=77, source_noise=first.settings["noise"])
    )[0]
    assert np.array_equal(pixels(again), pixels(first))


def test_restyle_keeps_the_noise_and_changes_the_look(tiny_engine: Engine):
    source = tiny_engine.generate(GenerationRequest("a red fox", width=256, height=256, seed=42))[0]
    restyled = tiny_engine.generate(
        GenerationRequest("a red fox", width=256, height=256, style="ink_wash", source_noise=source.settings["noise"])
    )[0]
    assert restyled.settings["noise"] == source.settings["noise"]
    assert not np.array_equal(pixels(restyled), pixels(source))


def test_a_source_noise_of_the_wrong_length_is_refused(tiny_engine: Engine):
    with pytest.raises(InvalidRequest) as info:
        tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, source_noise=[0.1] * 7))
    assert info.value.field == "source_noise" and "7" in info.value.message


# --- interpolation ----------------------------------------------------------------------------


def test_interpolation_runs_from_one_picture_to_the_other_and_is_reproducible(tiny_engine: Engine):
    req = dict(prompt="a red fox", width=256, height=256, seed=5, frames=5, interpolate_seed=6,
               interpolate_prompt="a blue whale")  # fmt: skip
    frames = tiny_engine.generate(GenerationRequest(**req))
    assert len(frames) == 5
    assert [f.settings["interpolation"]["frame"] for f in frames] == [0, 1, 2, 3, 4]
    start = tiny_engine.generate(GenerationRequest("a red fox", width=256, height=256, seed=5))[0]
    end = tiny_engine.generate(GenerationRequest("a blue whale", width=256, height=256, seed=6))[0]
    assert np.abs(pixels(frames[0]) - pixels(start)).max() <= 2
    assert np.abs(pixels(frames[-1]) - pixels(end)).max() <= 2
    steps = [np.abs(pixels(a) - pixels(b)).mean() for a, b in zip(frames, frames[1:], strict=False)]
    assert max(steps) < np.abs(pixels(start) - pixels(end)).mean()  # each step is smaller than the jump
    again = tiny_engine.generate(GenerationRequest(**req))
    assert all(np.array_equal(pixels(a), pixels(b)) for a, b in zip(frames, again, strict=True))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"frames": 8}, "frames"),  # no end
        ({"frames": 1, "interpolate_seed": 3}, "frames"),
        ({"frames": 17, "interpolate_seed": 3}, "frames"),
        ({"frames": 4, "interpolate_seed": 3, "n": 2}, "n"),
        ({"frames": 4, "interpolate_prompt": "a (cat"}, "interpolate_prompt"),
        ({"variation_strength": 1.5}, "variation_strength"),
        ({"source_candidate": 8}, "source_candidate"),
        ({"source_noise": [float("nan")]}, "source_noise"),
    ],
)
def test_bad_creative_fields_are_named(fields, field):
    with pytest.raises(InvalidRequest) as info:
        GenerationRequest("a cat", **fields).validate()
    assert info.value.field == field


# --- inversion --------------------------------------------------------------------------------


def test_inversion_reconstructs_a_picture_the_model_can_draw():
    engine = Engine.load("demo-landscape", device="cpu")
    prompt = "a green hill under a blue sky with a lake"
    target = engine.generate(GenerationRequest(prompt, width=256, height=256, seed=5))[0].image
    with engine._cpu_threads():
        inversion = invert(engine, target, prompt, steps=40, restarts=4)
    # A different noise under the same prompt is the baseline the inversion must beat by far.
    other = engine.generate(GenerationRequest(prompt, width=256, height=256, seed=6))[0].image
    baseline = invert(engine, other, prompt, steps=0, restarts=1).target
    assert inversion.error < 0.5 * pixel_error(baseline, inversion.target)
    assert inversion.noise.shape == (engine.manifest.arch.netG.nz,)
