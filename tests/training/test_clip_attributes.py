"""The CLIP's attribute terms (ClipTrainConfig.attr_w) and the linear probe that motivated them."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch

from generation.training.clip_train import ClipBundle, attribute_targets, train_clip
from generation.training.data import Pair, read_pairs
from generation.training.probe import attribute_probe
from generation.training.synthetic import RENDERERS, Scene
from generation.training.synthetic.dataset import render_dataset

from .test_trainer_smoke import TINY_CLIP


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    root = tmp_path_factory.mktemp("clip_attrs")
    return read_pairs(render_dataset(root / "data", per_category=24, size=32, progress=False))


def test_every_synthetic_pair_gets_the_labels_of_its_own_category_only(pairs):
    heads, labels = attribute_targets(pairs)
    names = [name for name, _ in heads]
    for pair, row in zip(pairs, labels, strict=True):
        scene = Scene.from_json(pair.meta["scene"])
        renderer = RENDERERS[scene.category]
        expected = renderer.labels(scene.attrs)
        for j, name in enumerate(names):
            cat, head = name.split("/")
            if cat != scene.category:
                assert row[j] == -1
            else:
                values = next(h.values for h in renderer.heads if h.name == head)
                assert values[int(row[j])] == expected[head]


def test_pairs_without_a_scene_get_no_labels(tmp_path):
    _, labels = attribute_targets([Pair(tmp_path / "x.png", ["a real photo"]), Pair(tmp_path / "y.png", ["z"], {})])
    assert (labels == -1).all()


def _attr_losses(messages: list[str]) -> list[float]:
    return [float(m) for line in messages for m in re.findall(r" attr ([0-9.]+)", line)]


def test_attribute_terms_train_when_asked_and_stay_off_otherwise(pairs, tmp_path):
    torch.manual_seed(0)
    logs: list[str] = []
    cfg = dataclasses.replace(TINY_CLIP, steps=60, batch_size=32, warmup=5, eval_every=10, attr_w=1.0)
    train_clip(cfg, pairs, tmp_path / "on", log=logs.append)
    assert any("attribute terms on for 72 of 72 pairs" in m for m in logs)
    losses = _attr_losses(logs)
    assert len(losses) == 6 and losses[-1] < losses[0] - 0.2, losses

    logs = []
    train_clip(dataclasses.replace(cfg, steps=10, attr_w=0.0), pairs, tmp_path / "off", log=logs.append)
    assert _attr_losses(logs) == [0.0]


def test_resume_restores_the_heads(pairs, tmp_path):
    cfg = dataclasses.replace(TINY_CLIP, steps=10, batch_size=16, warmup=2, eval_every=10, attr_w=1.0)
    train_clip(cfg, pairs, tmp_path, log=lambda m: None)
    state = torch.load(tmp_path / "clip_ckpt.pt", weights_only=False)
    assert state["step"] == 10 and any(k.startswith("linears.") for k in state["heads"])
    logs: list[str] = []
    train_clip(dataclasses.replace(cfg, steps=20), pairs, tmp_path, log=logs.append)
    assert "[clip] resumed at step 10" in logs


def test_the_probe_finds_what_the_bundled_clip_was_taught():
    from generation.engine.package import load_package, resolve_model

    loaded = load_package(resolve_model("demo-landscape"))
    clip = ClipBundle(loaded.manifest.arch.clip, loaded.clip_model)
    result = attribute_probe(clip, "landscape", n_train=300, n_test=100)
    assert set(result) == {h.name for h in RENDERERS["landscape"].heads}
    # time of day is the easiest attribute: sky colour in the image, one word in the caption
    assert min(result["time"].values()) >= 0.9, result["time"]
    for head in ("mountains", "trees", "water"):
        assert result[head]["text_en"] >= 0.8 and result[head]["text_zh"] >= 0.8, (head, result[head])


def test_probe_command_writes_a_report_for_a_trained_clip_folder(pairs, tmp_path):
    from generation.training.__main__ import main as training_cli

    cfg = dataclasses.replace(TINY_CLIP, steps=2, batch_size=8, warmup=1, eval_every=2)
    train_clip(cfg, pairs, tmp_path / "clip", log=lambda m: None)
    out = tmp_path / "probe.json"
    args = ["probe-clip", "--clip", str(tmp_path / "clip"), "--categories", "food", "--n-train", "40", "--n-test", "20"]
    assert training_cli([*args, "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report) == {"food"} and set(report["food"]["vessel"]) == {"image", "text_en", "text_zh"}
    assert all(0.0 <= v <= 1.0 for head in report["food"].values() for v in head.values())
