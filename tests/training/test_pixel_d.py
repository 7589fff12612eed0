"""The pixel discriminator with attribute heads (generation/training/pixel_d.py)."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
import torch

from generation.engine.clip import build_clip
from generation.training.clip_train import ClipBundle, attribute_targets, clip_config
from generation.training.config import Stage
from generation.training.data import load_image, read_pairs
from generation.training.pixel_d import PixelD, caption_labels
from generation.training.synthetic.dataset import render_dataset
from generation.training.trainer import GALIPTrainer

from .test_trainer_smoke import TINY_CLIP, _tiny_config


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    root = tmp_path_factory.mktemp("pixel_d")
    return read_pairs(render_dataset(root / "data", per_category=16, size=32, progress=False))


@pytest.fixture(scope="module")
def clip():
    torch.manual_seed(0)
    cc = clip_config(TINY_CLIP)
    return ClipBundle(cc, build_clip(cc))


def _pixel_config(out_dir, steps: int):
    cfg = _tiny_config(out_dir, steps=steps)
    cfg.gan.stages = [Stage("attributes", steps, batch_size=8, pix_w=1.0, pix_attr_w=1.0)]
    cfg.gan.pixd_width = 8
    cfg.gan.pixd_warmup = 10
    return cfg


def test_recipe_captions_do_not_ask_for_vessel_or_table(pairs):
    heads, pair_labels = attribute_targets(pairs)
    captions = [c for p in pairs for c in p.captions]
    owner = [i for i, p in enumerate(pairs) for _ in p.captions]
    labels = caption_labels(captions, owner, heads, pair_labels)
    names = [n for n, _ in heads]
    vessel, table, base = names.index("food/vessel"), names.index("food/table"), names.index("food/base")
    recipes = [i for i, c in enumerate(captions) if ";" in c or "；" in c]
    described = [i for i, c in enumerate(captions) if pairs[owner[i]].meta["category"] == "food" and i not in recipes]
    assert recipes and described
    for i in recipes:
        assert labels[i, vessel] == -1 and labels[i, table] == -1
        assert labels[i, base] == pair_labels[owner[i], base] >= 0  # the dish itself is still asked for
    for i in described:
        assert torch.equal(labels[i], pair_labels[owner[i]])


def test_attribute_loss_reads_only_the_labelled_heads():
    torch.manual_seed(0)
    net = PixelD(16, [("a/x", 3), ("a/y", 2)], width=4)
    logits = torch.randn(4, 5)
    labels = torch.tensor([[0, 1], [2, -1], [-1, -1], [1, 0]])
    loss = net.attribute_loss(logits, labels)
    ce = torch.nn.functional.cross_entropy
    x_sum = ce(logits[[0, 1, 3], :3], torch.tensor([0, 2, 1]), reduction="sum")
    y_sum = ce(logits[[0, 3], 3:], torch.tensor([1, 0]), reduction="sum")
    expected = (x_sum + y_sum) / 5
    assert torch.allclose(loss, expected, atol=1e-6)
    assert net.attribute_loss(logits, torch.full((4, 2), -1)).item() == 0.0


def test_the_heads_learn_to_read_renders(pairs):
    heads, labels = attribute_targets(pairs)
    images = torch.from_numpy(np.stack([load_image(p.image, 32) for p in pairs])).permute(0, 3, 1, 2)
    images = images.float().div(127.5).sub(1)
    torch.manual_seed(0)
    net = PixelD(32, heads, width=16)
    opt = torch.optim.Adam(net.reader_parameters(), lr=1e-3, betas=(0.5, 0.999))
    losses = []
    for _ in range(60):
        idx = torch.randint(0, len(pairs), (24,))
        loss = net.attribute_loss(net.read(images[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-10:]) / 10 < sum(losses[:10]) / 10 - 0.2, losses


def test_pixel_stage_trains_and_resumes_with_its_discriminator(pairs, clip, tmp_path):
    torch.manual_seed(1)
    first: list[str] = []
    trainer = GALIPTrainer(_pixel_config(tmp_path / "run", 12), clip, pairs, log=first.append)
    assert trainer.pixD is not None and not trainer.pixd_ready
    before = {n: t.clone() for n, t in trainer.pixD.state_dict().items()}
    trainer.train()
    assert trainer.pixd_ready and any("pixel D warm-up 10/10" in m for m in first)
    assert all(k in trainer.history[-1] for k in ("pix_d", "pix_g", "attr_real", "attr_fake"))
    assert all(math.isfinite(v) for h in trainer.history for v in h.values())
    assert not torch.equal(before["heads.weight"], trainer.pixD.state_dict()["heads.weight"])
    rows = [json.loads(line) for line in (tmp_path / "run" / "history.jsonl").read_text().splitlines()]
    assert "attr_fake" in rows[-1]

    logs: list[str] = []
    again = GALIPTrainer(_pixel_config(tmp_path / "run", 14), clip, pairs, log=logs.append)
    assert again.load_checkpoint() and again.step == 12
    for name, t in again.pixD.state_dict().items():
        assert torch.equal(t, trainer.pixD.state_dict()[name]), name
    assert again.pixd_ready
    again.train()
    assert not any("starts fresh" in m or "warm-up" in m for m in logs)


def test_a_checkpoint_from_before_the_pixel_stage_resumes_with_a_fresh_pixel_d(pairs, clip, tmp_path):
    plain = GALIPTrainer(_tiny_config(tmp_path / "run", steps=4), clip, pairs, log=lambda m: None)
    assert plain.pixD is None
    plain.train()
    assert "attr_real" not in plain.history[-1]
    cfg = _tiny_config(tmp_path / "run", steps=4)
    cfg.gan.pixd_warmup = 10
    cfg.gan.stages = [*cfg.gan.stages, dataclasses.replace(cfg.gan.stages[-1], name="attributes", pix_attr_w=1.0)]
    logs: list[str] = []
    later = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    assert later.load_checkpoint() and later.step == 4
    assert any("starts fresh" in m for m in logs)
    later.train()
    assert any("pixel D warm-up 10/10" in m for m in logs)
    assert later.step == 6 and "attr_fake" in later.history[-1]


def test_the_readers_own_training_does_not_scale_with_what_g_pays(pairs, clip, tmp_path):
    """pix_attr_w weights G's loss only: a reader trained with its loss scaled up diverged."""
    readers = []
    for w in (1.0, 3.0):
        cfg = _pixel_config(tmp_path / f"w{w}", 3)
        cfg.gan.stages[0].pix_attr_w = w
        torch.manual_seed(5)
        trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
        trainer.train()
        readers.append(
            {n: t.clone() for n, t in trainer.pixD.state_dict().items() if n.startswith(("reader", "heads"))}
        )
    assert readers[0].keys() == readers[1].keys() and readers[0]
    for name, t in readers[0].items():
        assert torch.allclose(t, readers[1][name]), name


def test_real_pairs_without_scenes_train_the_pixel_d_without_its_reader(clip, tmp_path):
    """Real data carries no scene: the warm-up is skipped and the reader gets no signal."""
    from PIL import Image

    from generation.training.data import Pair

    real = []
    for i in range(8):
        path = tmp_path / f"photo{i}.png"
        Image.new("RGB", (32, 32), (30 * i, 80, 200 - 20 * i)).save(path)
        real.append(Pair(path, [f"a photo of something number {i}"]))
    logs: list[str] = []
    trainer = GALIPTrainer(_pixel_config(tmp_path / "run", 3), clip, real, log=logs.append)
    reader = {n: t.clone() for n, t in trainer.pixD.state_dict().items() if n.startswith(("reader", "heads"))}
    trainer.train()
    assert any("nothing to learn" in m for m in logs)
    assert [h["attr_real"] for h in trainer.history] == [0.0, 0.0, 0.0]
    assert all(math.isfinite(h["pix_d"]) for h in trainer.history)
    for name, t in reader.items():
        assert torch.equal(t, trainer.pixD.state_dict()[name]), name


def test_a_stage_can_start_a_new_pixel_d(pairs, clip, tmp_path):
    """reset_pixel_d: when its stage begins the pixel D and its reader are new (random) and
    both warm-ups run again; a run resumed inside that stage keeps the new ones."""
    cfg = _pixel_config(tmp_path / "run", 6)
    cfg.gan.d_warmup = 3
    cfg.gan.stages = [
        Stage("old", 3, batch_size=8, pix_w=1.0, pix_attr_w=1.0),
        Stage("new", 3, batch_size=8, pix_w=1.0, pix_attr_w=1.0, reset_pixel_d=True),
    ]
    logs: list[str] = []
    trainer = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    trainer.train(max_steps=3)
    old = {n: t.clone() for n, t in trainer.pixD.state_dict().items()}
    assert sum("pixel D warm-up 10/10" in m for m in logs) == 1 and sum("D warm-up 3/3" in m for m in logs) == 1
    trainer.train(max_steps=1)
    assert any("stage new: a new pixel D" in m for m in logs) and trainer.pixd_reset == "new"
    assert sum("pixel D warm-up 10/10" in m for m in logs) == 2 and sum("] D warm-up 3/3" in m for m in logs) == 2
    assert not torch.equal(old["reader.0.weight"], trainer.pixD.state_dict()["reader.0.weight"])
    trainer.save_checkpoint()

    logs.clear()
    again = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    assert again.load_checkpoint() and again.step == 4 and again.pixd_reset == "new"
    again.train()
    assert again.step == 6 and not any("warm-up" in m or "new pixel D" in m for m in logs)
