"""Engine.generate: seeds, sizes, noise selection, styles, cache, progress and cancellation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from generation.engine import (
    MAX_SEED,
    STAGES,
    Engine,
    GenerationCanceled,
    GenerationRequest,
    InvalidRequest,
    TransientEngineError,
    encode_png,
    read_png_settings,
)
from generation.engine.sampler import sample_noise
from generation.engine.upscale import upscale_to


def _pixels(result) -> np.ndarray:
    return np.asarray(result.image)


def test_same_request_and_seed_give_the_same_pixels(tiny_engine: Engine):
    req = GenerationRequest("a lighthouse at dusk", width=512, height=384, n=2, seed=42, candidates=2)
    first = tiny_engine.generate(req)
    second = tiny_engine.generate(req)
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(_pixels(a), _pixels(b))
        assert a.seed == b.seed and a.clip_score == b.clip_score


def test_different_seeds_give_different_pixels(tiny_engine: Engine):
    a = tiny_engine.generate(GenerationRequest("a lighthouse at dusk", seed=1))[0]
    b = tiny_engine.generate(GenerationRequest("a lighthouse at dusk", seed=2))[0]
    assert not np.array_equal(_pixels(a), _pixels(b))


def test_image_i_gets_seed_base_plus_i_wrapping_at_2_32(tiny_engine: Engine):
    results = tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, n=3, seed=MAX_SEED - 1))
    assert [r.seed for r in results] == [MAX_SEED - 1, MAX_SEED, 0]
    assert [r.settings["seed"] for r in results] == [MAX_SEED - 1, MAX_SEED, 0]
    assert all(r.settings["base_seed"] == MAX_SEED - 1 for r in results)


def test_an_image_is_reproducible_alone_from_its_recorded_seed(tiny_engine: Engine):
    batch = tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, n=3, seed=100))
    alone = tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, n=1, seed=batch[2].seed))[0]
    # Same noise; only the batch size of the forward pass differs, so allow rounding noise.
    diff = np.abs(_pixels(alone).astype(int) - _pixels(batch[2]).astype(int))
    assert diff.max() <= 2


def test_missing_seed_is_chosen_and_recorded(tiny_engine: Engine):
    [result] = tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, seed=None))
    assert 0 <= result.seed <= MAX_SEED
    assert result.settings["seed"] == result.seed
    again = tiny_engine.generate(GenerationRequest("a cat", width=256, height=256, seed=result.seed))[0]
    assert np.array_equal(_pixels(again), _pixels(result))


def test_noise_is_drawn_on_a_cpu_generator_per_seed():
    a = sample_noise(5, 3, 100)
    expected = torch.randn(3, 100, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, expected)
    assert a.device.type == "cpu"


def test_truncation_bounds_the_noise_to_two_times_the_rate():
    z = sample_noise(9, 64, 100, truncation=0.7)
    assert z.abs().max() <= 2.0 * 0.7 + 1e-6
    assert z.std() > 0.3  # still spread out, not collapsed
    assert torch.equal(z, sample_noise(9, 64, 100, truncation=0.7))


@pytest.mark.parametrize(
    "size", [(256, 1024), (1024, 256), (768, 512), (512, 768), (320, 960), (1024, 1024), (256, 256)]
)
def test_output_has_exactly_the_requested_size_without_stretching(tiny_engine: Engine, size):
    width, height = size
    [result] = tiny_engine.generate(GenerationRequest("a mountain lake", width=width, height=height, seed=3))
    assert result.image.size == (width, height)
    assert result.image.mode == "RGB"
    native_w, native_h = result.settings["native_size"]
    # Uniform scaling: the native aspect is within the small crop of the target aspect.
    assert abs(math.log((native_w / native_h) / (width / height))) < 0.08
    assert result.settings["width"] == width and result.settings["height"] == height


def test_noise_selection_keeps_the_best_scoring_candidate(tiny_engine: Engine):
    k = 4
    for seed in range(20):
        req = GenerationRequest("a red bicycle", width=256, height=256, seed=seed, candidates=k)
        [result] = tiny_engine.generate(req)
        if result.settings["candidate_index"] != 0:
            break
    # Recompute the candidates and their scores independently of generate().
    cond = tiny_engine.conditioning(req).embedding
    grid = tiny_engine.grid_for(256, 256)
    native = tiny_engine.render_native(sample_noise(seed, k, tiny_engine.manifest.arch.netG.nz), cond, grid)
    scores = tiny_engine.clip_scores(native, cond)
    best = int(scores.argmax())
    assert best != 0, "no seed in 0..19 made a later candidate win; the test would prove nothing"
    assert result.settings["candidate_index"] == best
    assert result.clip_score == pytest.approx(float(scores[best]), abs=1e-5)
    assert result.candidate_scores == pytest.approx([float(s) for s in scores], abs=1e-5)
    with torch.inference_mode():
        expected, _ = upscale_to(native[best : best + 1], 256, 256)
    expected_pixels = ((expected[0] + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).numpy()
    assert np.abs(_pixels(result).astype(int) - expected_pixels.astype(int)).max() <= 1


def test_single_candidate_still_gets_a_clip_score(tiny_engine: Engine):
    req = GenerationRequest("a red bicycle", width=256, height=256, seed=11)
    [result] = tiny_engine.generate(req)
    cond = tiny_engine.conditioning(req).embedding
    native = tiny_engine.render_native(sample_noise(11, 1, tiny_engine.manifest.arch.netG.nz), cond)
    assert result.clip_score == pytest.approx(float(tiny_engine.clip_scores(native, cond)[0]), abs=1e-5)
    assert result.settings["clip_score"] == result.clip_score


def test_text_embedding_cache_hits_on_the_second_call(tiny_engine: Engine):
    req = GenerationRequest("an owl reading a book, unique cache probe", width=256, height=256, seed=1)
    tiny_engine.generate(req)
    hits, misses = tiny_engine.text_cache.hits, tiny_engine.text_cache.misses
    tiny_engine.generate(req)
    assert tiny_engine.text_cache.hits == hits + 1
    assert tiny_engine.text_cache.misses == misses


def test_progress_reports_the_four_stages_in_order(tiny_engine: Engine):
    events = []
    tiny_engine.generate(
        GenerationRequest("a boat", width=256, height=256, seed=1),
        on_progress=lambda stage, fraction: events.append((stage, fraction)),
    )
    order = list(dict.fromkeys(stage for stage, _ in events))
    assert order == list(STAGES) == ["encoding", "generating", "selecting", "upscaling"]
    for stage in STAGES:
        fractions = [f for s, f in events if s == stage]
        assert fractions[0] == 0.0 and fractions[-1] == 1.0
        assert fractions == sorted(fractions)


def test_should_cancel_raises_generation_canceled_between_stages(tiny_engine: Engine):
    events = []
    checks = iter([False, False, True])  # cancel at the third check: before "selecting"
    with pytest.raises(GenerationCanceled):
        tiny_engine.generate(
            GenerationRequest("a boat", width=256, height=256, seed=1),
            on_progress=lambda stage, fraction: events.append(stage),
            should_cancel=lambda: next(checks),
        )
    assert "generating" in events and "selecting" not in events


def test_cancel_before_anything_runs_does_no_work(tiny_engine: Engine):
    events = []
    with pytest.raises(GenerationCanceled):
        tiny_engine.generate(
            GenerationRequest("a boat", width=256, height=256, seed=1),
            on_progress=lambda stage, fraction: events.append(stage),
            should_cancel=lambda: True,
        )
    assert events == []


def test_long_prompts_are_truncated_and_reported(tiny_engine: Engine):
    long_prompt = " ".join(["a very detailed painting of a busy harbour"] * 20)
    [cut] = tiny_engine.generate(GenerationRequest(long_prompt, width=256, height=256, seed=1))
    [short] = tiny_engine.generate(GenerationRequest("a harbour", width=256, height=256, seed=1))
    assert cut.settings["truncated"] is True
    assert short.settings["truncated"] is False


def test_style_strength_mixes_content_and_style(tiny_engine: Engine):
    base = GenerationRequest("a castle on a hill")
    plain = tiny_engine.conditioning(base).embedding
    off = tiny_engine.conditioning(GenerationRequest("a castle on a hill", style="watercolor", style_strength=0.0))
    full = tiny_engine.conditioning(GenerationRequest("a castle on a hill", style="watercolor", style_strength=1.0))
    half = tiny_engine.conditioning(GenerationRequest("a castle on a hill", style="watercolor", style_strength=0.5))
    styled, _ = tiny_engine.encode_text("a watercolor painting of a castle on a hill")
    torch.testing.assert_close(off.embedding, plain)
    torch.testing.assert_close(full.embedding, styled)
    # Half strength points exactly between the two, with a norm between theirs.
    normalize = torch.nn.functional.normalize
    torch.testing.assert_close(normalize(half.embedding, dim=0), normalize(plain + styled, dim=0))
    assert float(half.embedding.norm()) == pytest.approx(float(plain.norm() + styled.norm()) / 2, rel=1e-5)
    assert not torch.allclose(normalize(plain, dim=0), normalize(styled, dim=0), atol=1e-3)


def test_negative_prompt_moves_the_condition_away_from_it(tiny_engine: Engine):
    plain = tiny_engine.conditioning(GenerationRequest("a forest")).embedding
    neg_text, _ = tiny_engine.encode_text("fog")
    negated = tiny_engine.conditioning(GenerationRequest("a forest", negative_prompt="fog")).embedding
    cos = torch.nn.functional.cosine_similarity
    assert cos(negated, neg_text, dim=0) < cos(plain, neg_text, dim=0)
    assert negated.norm() == pytest.approx(float(plain.norm()), rel=1e-4)


def test_generate_validates_the_request_first(tiny_engine: Engine):
    with pytest.raises(InvalidRequest) as info:
        tiny_engine.generate(GenerationRequest("a cat", width=500))
    assert info.value.field == "width"


def test_out_of_memory_becomes_a_transient_error(tiny_engine: Engine, monkeypatch):
    def boom(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(tiny_engine, "generate_locked", boom)
    with pytest.raises(TransientEngineError, match="out of memory"):
        tiny_engine.generate(GenerationRequest("a cat", seed=1))


def test_settings_are_complete_and_survive_the_png(tiny_engine: Engine):
    req = GenerationRequest(
        "夕阳下的雪山 a snowy mountain at sunset", width=512, height=256, n=1, seed=77,
        style="ink_wash", style_strength=0.6, negative_prompt="people", truncation=0.8, candidates=2,
    )  # fmt: skip
    [result] = tiny_engine.generate(req)
    for key in (
        "model", "prompt", "negative_prompt", "style", "style_strength", "width", "height", "seed",
        "truncation", "candidates", "native_size", "method", "truncated", "engine_version",
    ):  # fmt: skip
        assert key in result.settings, key
    png = encode_png(result.image, result.settings)
    assert read_png_settings(png) == result.settings
    replay = GenerationRequest(
        prompt=result.settings["prompt"],
        width=result.settings["width"],
        height=result.settings["height"],
        seed=result.settings["seed"],
        style=result.settings["style"],
        style_strength=result.settings["style_strength"],
        negative_prompt=result.settings["negative_prompt"],
        truncation=result.settings["truncation"],
        candidates=result.settings["candidates"],
    )
    assert np.array_equal(_pixels(tiny_engine.generate(replay)[0]), _pixels(result))
