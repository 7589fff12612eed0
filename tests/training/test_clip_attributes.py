"""The CLIP's attribute terms (ClipTrainConfig.attr_w) and the linear probe that motivated them."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
import torch

from generation.training.clip_train import ClipBundle, attribute_targets, train_clip
from generation.training.data import Pair, read_pairs
from generation.training.probe import attribute_probe, held_out_text_probe
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


def test_the_bundled_clip_carries_both_parts_of_the_food_combinations_it_never_saw():
    """Shrimp are never on rice in the training data; a probe that never saw rice captions still
    reads shrimp in "rice topped with shrimp", and one that never saw shrimp reads the rice."""
    from generation.engine.package import load_package, resolve_model

    loaded = load_package(resolve_model("demo-food"))
    clip = ClipBundle(loaded.manifest.arch.clip, loaded.clip_model)
    result = held_out_text_probe(clip, "food", n_train=600)
    assert set(result) == {h.name for h in RENDERERS["food"].holdouts}
    for name in ("shrimp on rice", "a bowl on a marble table"):
        assert min(result[name].values()) >= 0.8, (name, result[name])


def test_probe_command_writes_a_report_for_a_trained_clip_folder(pairs, tmp_path):
    from generation.training.__main__ import main as training_cli

    cfg = dataclasses.replace(TINY_CLIP, steps=2, batch_size=8, warmup=1, eval_every=2)
    train_clip(cfg, pairs, tmp_path / "clip", log=lambda m: None)
    out = tmp_path / "probe.json"
    args = ["probe-clip", "--clip", str(tmp_path / "clip"), "--categories", "food", "--n-train", "40", "--n-test", "20"]
    assert training_cli([*args, "--held-out", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report) == {"food", "food/held-out"} and set(report["food"]["vessel"]) == {"image", "text_en", "text_zh"}
    assert all(0.0 <= v <= 1.0 for head in report["food"].values() for v in head.values())
    assert set(report["food/held-out"]) == {h.name for h in RENDERERS["food"].holdouts}
    assert all(0.0 <= v <= 1.0 for combo in report["food/held-out"].values() for v in combo.values())


def _separation(bundle: ClipBundle, pairs: list[Pair], head: str) -> float:
    """Mean distance of the class means of one anime attribute in the normalised sentence
    embeddings, over the mean distance of a caption to its own class mean."""
    renderer = RENDERERS["anime"]
    scenes = [(p, Scene.from_json(p.meta["scene"])) for p in pairs]
    rows = [(c, renderer.labels(s.attrs)[head]) for p, s in scenes if s.category == "anime" for c in p.captions]
    emb = torch.nn.functional.normalize(bundle.encode_texts([c for c, _ in rows]), dim=-1)
    labels = [v for _, v in rows]
    means = {v: emb[[i for i, w in enumerate(labels) if w == v]].mean(0) for v in set(labels)}
    centre = torch.stack(list(means.values())).mean(0)
    between = torch.stack([(m - centre).norm() for m in means.values()]).mean()
    within = torch.stack([(e - means[v]).norm() for e, v in zip(emb, labels, strict=True)]).mean()
    return float(between / within)


def _drift(a: ClipBundle, b: ClipBundle, pairs: list[Pair]) -> float:
    """Squared distance of b's unnormalised sentence embeddings from a's, relative to a's."""
    caps = [c for p in pairs for c in p.captions]
    old, new = a.encode_texts(caps), b.encode_texts(caps)
    return float((new - old).pow(2).sum(1).mean() / old.pow(2).sum(1).mean())


def test_retune_text_spreads_the_words_the_text_tower_had_folded_together(pairs, tmp_path):
    """A CLIP trained with no attribute terms, then its text tower re-tuned: the expression
    classes move apart in the sentence embeddings, the image tower and logit scale stay bit for
    bit, the original bundle is untouched, and the pull towards the old embeddings (keep_w)
    holds them closer the stronger it is."""
    from generation.training.clip_train import retune_text, text_parameters
    from generation.training.config import TextTuneConfig

    torch.manual_seed(0)
    cfg = dataclasses.replace(TINY_CLIP, steps=30, batch_size=32, warmup=5, eval_every=30, attr_w=0.0)
    base = train_clip(cfg, pairs, tmp_path, log=lambda m: None)
    before = {n: t.clone() for n, t in base.model.state_dict().items()}
    tune = TextTuneConfig(steps=80, batch_size=64, lr=2e-3, attr_w=3.0, keep_w=1.0, log_every=20)
    logs: list[str] = []
    tuned = retune_text(base, pairs, tune, log=logs.append)

    assert all(torch.equal(before[n], t) for n, t in base.model.state_dict().items())
    after = tuned.model.state_dict()
    text = set(text_parameters(tuned.model))
    assert text and not any(n.startswith("visual.") for n in text) and "logit_scale" not in text
    assert all(torch.equal(before[n], after[n]) for n in before if n not in text)
    assert any(not torch.equal(before[n], after[n]) for n in text)

    attr = [float(m) for line in logs for m in re.findall(r" attr ([0-9.]+)", line)]
    assert len(attr) == 4 and attr[-1] < attr[0] - 0.3, attr
    assert _separation(tuned, pairs, "expression") > 1.5 * _separation(base, pairs, "expression")

    loose = retune_text(base, pairs, dataclasses.replace(tune, keep_w=0.0), log=lambda m: None)
    tight = retune_text(base, pairs, dataclasses.replace(tune, keep_w=20.0), log=lambda m: None)
    assert _drift(base, tight, pairs) < 0.5 * _drift(base, loose, pairs)


def test_retune_text_leaves_a_clip_alone_when_no_pair_carries_a_scene(tmp_path):
    from generation.engine.clip import build_clip
    from generation.training.clip_train import clip_config, retune_text
    from generation.training.config import TextTuneConfig

    torch.manual_seed(0)
    cc = clip_config(TINY_CLIP)
    base = ClipBundle(cc, build_clip(cc))
    logs: list[str] = []
    real = [Pair(tmp_path / "x.png", ["a real photo"])]
    tuned = retune_text(base, real, TextTuneConfig(steps=5), log=logs.append)
    assert logs == ["[clip] no pair carries a synthetic scene: the text tower is kept as it is"]
    assert all(
        torch.equal(a, b)
        for a, b in zip(base.model.state_dict().values(), tuned.model.state_dict().values(), strict=True)
    )
