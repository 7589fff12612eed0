"""The fidelity measure (generation/training/fidelity.py): Fréchet distance in the feature space
of a net trained on clean renders only, its anchors, object presence and seed spread."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generation.training.fidelity import (
    FidelityReader,
    blurred,
    fidelity_of,
    fidelity_path,
    frechet_distance,
    low_res,
    render_variants,
    shrink,
)
from generation.training.synthetic import eval_items


def test_frechet_distance_of_two_gaussians_matches_the_closed_form():
    g = torch.Generator().manual_seed(0)
    a = torch.randn(20000, 3, generator=g)
    b = torch.randn(20000, 3, generator=g) * 2 + torch.tensor([1.0, 0.0, -1.0])
    # |mu_a - mu_b|^2 + sum (s_a - s_b)^2 for diagonal covariances: 2 + 3 * (1 - 2)^2 = 5
    assert frechet_distance(a, b) == pytest.approx(5.0, rel=0.05)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


def test_a_missing_fidelity_net_names_the_path_and_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-fidelity"):
        FidelityReader.load(tmp_path / "nope.safetensors")


@pytest.fixture(scope="module", params=["landscape", "food", "anime"])
def anchors(request):
    """The shipped net, measured with renders standing in for pictures: the floor must come out
    as the pictures' FD, blur must cost more with sigma, and presence must be near its ceiling."""
    category = request.param
    reader = FidelityReader.load(fidelity_path(category))
    items = eval_items(category, n_regular=6, per_holdout=1)
    seeds = 2
    pictures = {}
    for i, item in enumerate(items):
        x = render_variants(item.scene, 2 * seeds, salt=2)  # the same renders the floor uses
        pictures[(i, "en")], pictures[(i, "zh")] = x[:seeds], x[seeds:]
    return fidelity_of("renders", pictures, items, reader, seeds), reader, items


def test_renders_standing_in_for_pictures_sit_on_the_floor(anchors):
    report, _, _ = anchors
    assert report.fd == pytest.approx(report.fd_floor, rel=1e-6)
    assert report.spread_ratio == pytest.approx(1.0, abs=0.15)


def test_blur_and_low_resolution_cost_more_than_the_floor(anchors):
    report, _, _ = anchors
    assert report.fd_floor < report.fd_blur1 < report.fd_blur2, report
    assert report.fd_64px > report.fd_floor, report


def test_the_net_reads_the_objects_of_renders(anchors):
    report, _, _ = anchors
    assert report.presence >= 0.85, report.presence_by_object
    assert report.presence_ceiling >= 0.85


def test_a_soft_blob_does_not_count_as_the_objects(anchors):
    """What the issue saw: the lenient classifier reads blobs as the right objects. Renders
    blurred hard (sigma 4 at 256 px) keep colours and rough shapes but lose the objects' edges;
    the fidelity net must not find as many objects there as in the renders."""
    report, reader, items = anchors
    seeds = 2
    pictures = {}
    for i, item in enumerate(items):
        x = blurred(render_variants(item.scene, 2 * seeds, salt=2), 4.0)
        pictures[(i, "en")], pictures[(i, "zh")] = x[:seeds], x[seeds:]
    soft = fidelity_of("blurred", pictures, items, reader, seeds)
    assert soft.fd > report.fd_blur2
    assert soft.presence < report.presence


def test_one_layout_with_other_textures_is_not_spread(anchors):
    """What the issue saw: seeds that change colour noise and texture but not where things are.
    One render per caption, repeated with fresh noise for every seed, must score far below the
    renders' own spread (mean-pooled features read such noise as much as a new layout)."""
    _, reader, items = anchors
    seeds = 2
    g = torch.Generator().manual_seed(0)
    pictures = {}
    for i, item in enumerate(items):
        one = render_variants(item.scene, 1, salt=2).expand(2 * seeds, -1, -1, -1)
        noisy = (one + 0.15 * torch.randn(one.shape, generator=g)).clamp(-1, 1)
        pictures[(i, "en")], pictures[(i, "zh")] = noisy[:seeds], noisy[seeds:]
    same = fidelity_of("one layout", pictures, items, reader, seeds)
    assert same.spread_ratio < 0.5, same.spread_ratio


def test_low_res_is_64px_detail_at_128px():
    x = torch.rand(2, 3, 256, 256) * 2 - 1
    assert low_res(x).shape == (2, 3, 128, 128)
    assert shrink(x).shape == (2, 3, 128, 128)
    flat = torch.zeros(1, 3, 256, 256)
    assert torch.allclose(low_res(flat), torch.zeros(1, 3, 128, 128), atol=1e-6)
    assert np.isclose(float(blurred(flat, 2.0).abs().max()), 0.0)


def test_a_fidelity_net_trains_on_renders_and_reads_the_same_after_a_save(tmp_path):
    from generation.training.fidelity import train_fidelity_net

    reader, acc = train_fidelity_net("food", n_train=48, n_val=16, steps=25, batch=16)
    assert set(acc) == set(reader.heads) and all(0.0 <= v <= 1.0 for v in acc.values())
    assert acc["vessel"] > 0.5  # plate or bowl: two large shapes, learnt in a few steps
    reader.save(tmp_path / "f.safetensors")
    again = FidelityReader.load(tmp_path / "f.safetensors")
    x = render_variants(eval_items("food", n_regular=1, per_holdout=0)[0].scene, 2, salt=4)
    (f1, l1), (f2, l2) = reader.read(x), again.read(x)
    assert l1 == l2 and torch.allclose(f1, f2, atol=0.05)  # stored in fp16


def test_the_quality_a_package_records_is_the_report_rounded():
    from generation.training.fidelity import FidelityReport

    report = FidelityReport(
        "demo-x", "food", 10, fd=4.4881, fd_floor=0.4607, fd_blur2=2.8057, presence=0.9233,
        presence_by_lang={"en": 0.916, "zh": 0.93}, presence_heldout=0.9035, spread_ratio=0.8239,
    )  # fmt: skip
    q = report.quality(seeds=4)
    assert (q["fd"], q["fd_floor"], q["fd_blur2"]) == (4.49, 0.46, 2.81)
    assert (q["objects"], q["objects_en"], q["objects_zh"], q["held_out_objects"]) == (0.92, 0.92, 0.93, 0.9)
    assert q["seed_spread"] == 0.82 and "--seeds 4" in q["method"]


def _holdout_drawn_with(holdout: str, change: dict[str, str]):
    """Landscape's fidelity report on renders standing in for pictures, those of `holdout`
    drawn with `change` (what a model that cannot compose it draws), two seeds, two languages."""
    from generation.training.synthetic import Scene

    reader = FidelityReader.load(fidelity_path("landscape"))
    items = eval_items("landscape", n_regular=6, per_holdout=2)
    seeds = 2
    pictures = {}
    for i, item in enumerate(items):
        scene = item.scene
        if item.holdout == holdout:
            scene = Scene(scene.category, {**scene.attrs, **change}, scene.seed)
        x = render_variants(scene, 2 * seeds, salt=2)
        pictures[(i, "en")], pictures[(i, "zh")] = x[:seeds], x[seeds:]
    return fidelity_of(f"{holdout} with {change}", pictures, items, reader, seeds), items


def test_a_combination_the_model_cannot_compose_shows_as_its_missing_object():
    """Rivers are drawn at dawn, noon and sunset but never at night (the held-out "river at
    night"): the mixed per-object share reads about half, the breakdown must say where — that
    combination's river near 0 %, rivers of the regular prompts and the other combinations read."""
    from generation.training.fidelity import presence_lines

    report, items = _holdout_drawn_with("river at night", {"water": "none"})

    assert report.presence_by_holdout_object["river at night"]["water=river"] <= 0.1
    assert report.presence_by_holdout["river at night"] < report.presence_by_holdout["snowy mountains at sunset"]
    assert set(report.presence_by_holdout) == {it.holdout for it in items if it.holdout}
    regular = report.presence_regular_by_object  # purple snow caps at night are dim: some read as none
    assert min(regular.values()) >= 0.5 and np.mean(list(regular.values())) >= 0.9, regular
    lines = presence_lines([report])
    assert "  - river at night:" in lines and "weakest water=river 0% of 8" in lines


def test_the_distance_is_split_between_regular_prompts_and_held_out_combinations():
    """Only "river at night" is drawn wrong: the regular prompts' FD sits on their floor, the
    held-out combinations' rises above theirs, and the table says both. (So few pictures make
    every FD here larger than the whole set's; each is read against its own anchors.)"""
    from generation.training.fidelity import fidelity_table

    report, _ = _holdout_drawn_with("river at night", {"water": "none"})
    regular, held_out = report.fd_by_kind["regular"], report.fd_by_kind["held_out"]
    assert regular["fd"] == pytest.approx(regular["floor"], rel=1e-6)
    assert regular["floor"] < regular["blur2"] and held_out["floor"] < held_out["blur2"]
    # two scenes of eight pictures without their river cost a quarter of blurring every held-out picture
    assert held_out["fd"] - held_out["floor"] > 0.25 * (held_out["blur2"] - held_out["floor"]), held_out
    table = fidelity_table([report])
    assert "FD, regular prompts" in table and f"{held_out['fd']:.1f} ({held_out['floor']:.1f}," in table


def test_purple_snow_drawn_white_shows_as_the_snows_colour():
    """A model that draws "purple snow at noon" with white snow has drawn the snowy mountains
    asked for, but not the colour the caption names: the snow head must read it missing there,
    and still find white snow where white snow was asked for."""
    report, _ = _holdout_drawn_with("purple snow at noon", {"snow": "white"})

    purple = report.presence_by_holdout_object["purple snow at noon"]
    assert purple["snow=purple"] <= 0.1, purple
    assert purple["mountains=snowy"] >= 0.75, purple
    assert report.presence_regular_by_object["snow=white"] >= 0.9, report.presence_regular_by_object


def test_the_quality_names_each_combinations_own_objects_in_vocabulary_terms():
    from generation.training.fidelity import FidelityReport

    report = FidelityReport(
        "demo-x", "landscape", 10,
        presence_by_holdout_object={"river at night": {"water=river": 0.0, "trees=few": 1.0}, "green sun at sunset": {"trees=none": 0.5}},
        presence_by_holdout_count={"river at night": {"water=river": 48, "trees=few": 16}, "green sun at sunset": {"trees=none": 8}},
    )  # fmt: skip
    [river] = report.quality(seeds=4)["combinations"]  # the green sun names no object of its own
    assert river == {
        "name": "river at night",
        "selection": {"time": "night", "water": "river"},
        "objects": {"water=river": {"drawn": 0.0, "of": 48}},
    }


@pytest.mark.parametrize(
    ("flag", "value", "needle"),
    [("--truncation", "0", "truncation: must be greater than 0"), ("--candidates", "99", "candidates: must be 1 to")],
)
def test_evaluate_refuses_bad_sampling_settings_by_name_before_any_work(flag, value, needle):
    from generation.training.__main__ import main

    with pytest.raises(SystemExit, match=needle):
        main(["evaluate", "no-such-package", "--fidelity-only", flag, value])  # stops before the package is read
