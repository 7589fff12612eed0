"""The bundled demo models, measured on the fixed evaluation prompts of their category.

The floors below are regression floors set just under what the shipped models reach (see
docs/demo-models.md for the numbers and for the issue's targets, which are not all met).
A missing package fails here on purpose: `make run` serves these models.
"""

from __future__ import annotations

import math

import pytest
import torch

from generation.engine import Engine, GenerationRequest
from generation.engine.sampler import sample_noise
from generation.training.evaluate import evaluate_package
from generation.training.synthetic import eval_items

# category -> group -> floor (fraction correct on regular prompts, English and Chinese)
# Measured on this prompt subset when the models were exported (13,500 steps of demo.toml, 4,000
# of demo-finetune.toml, then 1,500 of demo-words.toml): landscape 100% / 97% / 96%, food 100% /
# 100%, anime 100% / 93% / expression 60%. Chance is 25% for time of day and expression and about
# 10-50% elsewhere.
FLOORS = {
    "landscape": {"time_of_day": 0.9, "colours": 0.85, "main_objects": 0.85},
    "food": {"colours": 0.9, "main_objects": 0.85},
    "anime": {"colours": 0.9, "main_objects": 0.85, "expression": 0.55},
}
DIVERSITY_FLOOR = 0.5  # the target: generated / real pairwise pixel distance between seeds (0.62-0.99)
HELDOUT_FLOOR = 0.55  # measured 69-89% on this subset
COUNTERFACTUAL_FLOOR = 0.6  # measured 63-93% on this subset (one anime combination, 6 pictures)
# measured 54-63% among about 30 prompts (chance about 3%), with the packages' re-tuned text tower
R_PRECISION_FLOOR = 0.45
TILE_EDGE_CEILING = 1.3  # measured about 0.9-1.0; packages that resized with nearest: 1.4-1.9


@pytest.fixture(scope="module", params=["landscape", "food", "anime"])
def report(request):
    category = request.param
    items = [it for it in eval_items(category, n_regular=8, per_holdout=1)]
    return evaluate_package(f"demo-{category}", seeds=3, items=items)


def test_attribute_groups_beat_their_floors(report):
    for group, floor in FLOORS[report.category].items():
        assert report.groups[group] >= floor, (group, report.groups)


def test_what_the_classifier_reads_survives_a_blur(report):
    """G trains against a CNN attribute reader; a pattern that only fools CNNs would be fine
    detail, gone under a 1 px blur, while drawn shapes and colours stay readable."""
    for group, floor in FLOORS[report.category].items():
        assert report.groups_blurred[group] >= floor - 0.05, (group, report.groups_blurred)


def test_chinese_prompts_work_without_translation(report):
    for group, floor in FLOORS[report.category].items():
        assert report.by_lang["zh"][group] >= floor - 0.1, (group, report.by_lang)


def test_seeds_of_one_prompt_differ(report):
    assert report.diversity_ratio >= DIVERSITY_FLOOR


def test_held_out_and_counterfactual_combinations_are_composed(report):
    assert not math.isnan(report.heldout) and not math.isnan(report.counterfactual)
    assert report.heldout >= HELDOUT_FLOOR
    assert report.counterfactual >= COUNTERFACTUAL_FLOOR


def test_images_match_their_own_prompt_for_the_bundled_clip(report):
    assert report.r_precision >= R_PRECISION_FLOOR


@pytest.mark.parametrize("name", ["demo-landscape", "demo-food", "demo-anime"])
def test_each_demo_package_loads_by_name_and_generates_512px(name):
    engine = Engine.load(name, device="cpu")
    assert engine.manifest.trained and engine.manifest.name == name
    [image] = engine.generate(GenerationRequest("a landscape at sunset", width=512, height=512, seed=2))
    assert image.image.size == (512, 512)


@pytest.mark.parametrize("name", ["demo-landscape", "demo-food", "demo-anime"])
def test_the_demo_packages_draw_from_the_prompts_words(name):
    """They carry word attention (docs/demo-models.md): with the sentence vector held, other
    words give another picture, so the words are read, not only the sentence. (Measured 0.016
    mean |Δpixel| on [-1, 1]; untrained word attention, the identity, gives exactly 0.)"""
    engine = Engine.load(name, device="cpu")
    assert engine.reads_words
    cond, _ = engine.encode_text("a bowl of rice topped with three shrimp on a wooden table")
    noise = sample_noise(9, 2, engine.manifest.arch.netG.nz)
    with torch.no_grad():
        own = engine.render_native(noise, cond, words=engine.encode_words("a bowl of rice topped with three shrimp"))
        other = engine.render_native(noise, cond, words=engine.encode_words("a landscape at night with a forest"))
    assert (own - other).abs().mean() > 0.005


def tile_edge_ratio(images: torch.Tensor, cell: int = 8) -> float:
    """Mean pixel step across the borders of the 8 x 8 bridge cells over that inside them: about
    1 for a picture without a grid, well above 1 for a mosaic of tiles."""
    dx = (images[..., 1:] - images[..., :-1]).abs().mean((0, 1, 2))
    dy = (images[..., 1:, :] - images[..., :-1, :]).abs().mean((0, 1, 3))
    border = torch.tensor([i % cell == cell - 1 for i in range(len(dx))])
    return float((dx[border].mean() + dy[border].mean()) / (dx[~border].mean() + dy[~border].mean()))


@pytest.mark.parametrize(
    ("name", "prompt"),
    [
        ("demo-landscape", "a lake at noon with mountains"),
        ("demo-food", "a bowl of rice with egg"),
        ("demo-anime", "an anime girl with long pink hair"),
    ],
)
def test_pictures_are_not_a_mosaic_of_the_bridge_grid(name, prompt):
    engine = Engine.load(name, device="cpu")
    cond, _ = engine.encode_text(prompt)
    with torch.no_grad():
        images = engine.render_native(
            sample_noise(5, 8, engine.manifest.arch.netG.nz), cond, words=engine.encode_words(prompt)
        )
    assert (
        tile_edge_ratio(images, engine.manifest.arch.netG.out_size // engine.manifest.arch.netG.grid)
        < TILE_EDGE_CEILING
    )


def test_each_category_has_a_generator_of_its_own():
    """Three names in the model picker are three networks, not one network three times."""
    from generation.engine.package import read_manifest, resolve_model

    digests = {
        c: read_manifest(resolve_model(f"demo-{c}")).files["generator"].sha256 for c in ("landscape", "food", "anime")
    }
    assert len(set(digests.values())) == 3, digests


# The fidelity measure (generation/training/fidelity.py) on a small subset: 6 regular prompts and
# one scene of each held-out combination, 2 seeds, English and Chinese (44-48 pictures, so every
# FD here, the floor included, reads higher than on the full set). Measured when the packages were
# exported (demo-recon.toml, step 600, food and anime with their restoring SR): FD over the 64 px
# anchor 3.8 / 3.5 / 1.7 (landscape / food / anime), objects 85 / 91 / 89 %, seed spread
# 0.77 / 0.76 / 0.69. The packages before (one generator for all three) read 12.2 / 9.1 / 8.1 FD on
# the full set against 8.0 / 5.4 / 5.9 now; the target, FD under the sigma = 2 anchor, is
# not met (docs/demo-models.md). Landscape's SR net was then trained again on its own generator's
# pictures (restore-sr): FD over the 64 px anchor 3.6, objects 87 %, seed spread 0.74 here. Food
# and anime then had a second reconstruction round (demo-sharpen.toml; full set FD 4.5 / 4.2):
# here FD over the 64 px anchor 3.5 / 1.4, objects 90 / 91 %, seed spread 0.73 / 0.73. Anime's SR
# net was then trained again on its sharpened G's pictures with a patch discriminator (restore-sr;
# full set FD 3.8): here FD over the 64 px anchor 1.34, objects 90 %, seed spread 0.75. Anime's
# generator was then grown to 128 px on a GPU (demo-128.toml, 462 steps of batch 512; full set FD
# 3.43, objects 94 %): here FD over the 64 px anchor 1.43 (this subset reads it worse than the
# full set does), objects 93 %, seed spread 0.77. The seed spread read where the parts sit
# (layout.py; the target 0.5 is not met: 0.39 / 0.33 / 0 on the full set) reads 0.41 /
# 0.20 / 0 here; anime's seeds are one composition, so it has no floor yet. Landscape then had its
# second reconstruction round for 2,700 steps (full set FD 6.5 -> 4.9, objects 85 -> 88 %, layout
# spread 0.39 -> 0.49): here FD over the 64 px anchor 3.2, objects 91 %, seed spread 0.80, layout
# spread 0.53. The landscape fidelity net then got a head for the snow's colour (purple snow drawn
# white had read as drawn): the same package here reads FD over the 64 px anchor 4.0, objects 84 %
# (en 82 / zh 86 %), seed spread 0.79, layout spread 0.53. Landscape then had a round with mode
# seeking on where its parts sit (ms_layout_w 5, 2,700 steps; full set layout spread 0.49 -> 0.84):
# here FD over the 64 px anchor 3.8, objects 84 % (en 82 / zh 86 %), seed spread 0.85, layout
# spread 0.83. Food then had the same round (2,700 steps, pix_attr_w 4) and 900 steps more with
# the scenes that have eggs or shrimp drawn twice as often (data.oversample; full set FD 4.5 -> 4.4,
# objects 92 -> 91 %, layout spread 0.33 -> 0.66): here FD over the 64 px anchor 3.2, objects 92 %
# (en 93 / zh 91 %), seed spread 0.87, layout spread 0.47. The layout spread read with every
# picture and render blurred first (σ 3 at 256 px: streaks fade, moves stay) reads 0.85 / 0.47 / 0
# here (full set 0.84 / 0.65 / 0).
FIDELITY = {
    "landscape": {"fd_over_64px": 4.1, "presence": 0.82, "spread": 0.75, "layout": 0.7, "layout_blurred": 0.7},
    "food": {"fd_over_64px": 3.5, "presence": 0.88, "spread": 0.78, "layout": 0.38, "layout_blurred": 0.38},
    "anime": {"fd_over_64px": 1.5, "presence": 0.9, "spread": 0.6, "layout": 0.0, "layout_blurred": 0.0},
}


@pytest.fixture(scope="module", params=["landscape", "food", "anime"])
def fidelity(request):
    from generation.training.fidelity import evaluate_fidelity

    items = eval_items(request.param, n_regular=6, per_holdout=1)
    return evaluate_fidelity(f"demo-{request.param}", seeds=2, items=items)


def test_pictures_keep_their_distance_to_renders(fidelity):
    limits = FIDELITY[fidelity.category]
    assert fidelity.fd_floor < fidelity.fd_64px
    assert fidelity.fd <= limits["fd_over_64px"] * fidelity.fd_64px, fidelity


def test_the_objects_a_caption_asks_for_are_drawn(fidelity):
    limits = FIDELITY[fidelity.category]
    assert fidelity.presence >= limits["presence"], fidelity.presence_by_object
    assert abs(fidelity.presence_by_lang["en"] - fidelity.presence_by_lang["zh"]) <= 0.15


def test_seeds_give_other_layouts_in_the_fidelity_space(fidelity):
    assert fidelity.spread_ratio >= FIDELITY[fidelity.category]["spread"]
    assert fidelity.layout_spread >= FIDELITY[fidelity.category]["layout"], fidelity.layout_spread
    assert fidelity.layout_spread_blurred >= FIDELITY[fidelity.category]["layout_blurred"], (
        fidelity.layout_spread_blurred
    )
