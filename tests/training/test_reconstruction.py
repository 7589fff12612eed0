"""The reconstruction path of the trainer (encoder.PosteriorEncoder, Stage.rec_w)."""

from __future__ import annotations

import math

import pytest
import torch

from generation.engine.clip import build_clip
from generation.training.clip_train import ClipBundle, clip_config
from generation.training.config import Stage
from generation.training.data import read_pairs
from generation.training.encoder import PosteriorEncoder, kl_to_prior
from generation.training.synthetic.dataset import render_dataset
from generation.training.trainer import GALIPTrainer

from .test_trainer_smoke import TINY_CLIP, _tiny_config


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    root = tmp_path_factory.mktemp("recon")
    return read_pairs(render_dataset(root / "data", categories=("food",), per_category=16, size=32, progress=False))


@pytest.fixture(scope="module")
def clip():
    torch.manual_seed(0)
    cc = clip_config(TINY_CLIP)
    return ClipBundle(cc, build_clip(cc))


def _recon_config(out_dir, steps: int, rec_w: float = 10.0):
    cfg = _tiny_config(out_dir, steps=steps)
    cfg.gan.stages = [Stage("recon", steps, batch_size=8, rec_w=rec_w, kl_w=0.01)]
    return cfg


def test_the_encoder_starts_at_the_prior_and_its_kl_is_zero_there():
    enc = PosteriorEncoder(nz=12, size=32, width=4)
    mu, logvar = enc(torch.rand(3, 3, 32, 32) * 2 - 1)
    assert mu.shape == logvar.shape == (3, 12)
    assert torch.equal(mu, torch.zeros_like(mu)) and torch.equal(logvar, torch.zeros_like(logvar))
    assert kl_to_prior(mu, logvar).item() == 0.0
    assert kl_to_prior(mu + 1.0, logvar).item() == pytest.approx(6.0)  # 0.5 * 12 dims * 1^2


def test_a_reconstruction_stage_redraws_renders_better_and_resumes_with_its_encoder(pairs, clip, tmp_path):
    torch.manual_seed(2)
    trainer = GALIPTrainer(_recon_config(tmp_path / "run", 30), clip, pairs, log=lambda m: None)
    assert trainer.netE is not None
    trainer.train()
    l1 = [h["rec_l1"] for h in trainer.history]
    assert all(math.isfinite(v) for h in trainer.history for v in h.values())
    assert sum(l1[-5:]) / 5 < sum(l1[:5]) / 5, l1  # G learns to redraw what the encoder reads
    assert "kl" in trainer.history[-1]

    again = GALIPTrainer(_recon_config(tmp_path / "run", 32), clip, pairs, log=lambda m: None)
    assert again.load_checkpoint() and again.step == 30
    for name, t in again.netE.state_dict().items():
        assert torch.equal(t, trainer.netE.state_dict()[name]), name


def test_without_rec_w_there_is_no_encoder(pairs, clip, tmp_path):
    trainer = GALIPTrainer(_recon_config(tmp_path / "run", 2, rec_w=0.0), clip, pairs, log=lambda m: None)
    assert trainer.netE is None
    trainer.train()
    assert "rec_l1" not in trainer.history[-1]
