"""The reconstruction path of the trainer (encoder.PosteriorEncoder, Stage.rec_w), and the other
terms that teach G what its noise should change (Stage.lat_w, Stage.ms_layout_w)."""

from __future__ import annotations

import math

import pytest
import torch

from generation.engine.clip import build_clip
from generation.training.clip_train import ClipBundle, clip_config
from generation.training.config import Stage
from generation.training.data import Pair, read_pairs
from generation.training.encoder import PosteriorEncoder, dimensions_read, kl_to_prior
from generation.training.layout import PRESENT, describe
from generation.training.synthetic import RENDERERS
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
    assert torch.equal(dimensions_read(logvar), torch.zeros(12))  # at the prior it reads nothing
    sure = logvar.clone()
    sure[:, :3] = math.log(0.25)  # posterior variance a quarter in three dimensions
    assert dimensions_read(sure).tolist() == pytest.approx([0.75] * 3 + [0.0] * 9)


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


def test_the_encoder_warm_up_leaves_g_as_it_was_and_brings_its_redraw_closer(pairs, clip, tmp_path):
    torch.manual_seed(3)
    cfg = _recon_config(tmp_path / "run", 1)
    cfg.gan.e_warmup = 25
    trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    g_before = {n: p.detach().clone() for n, p in trainer.g_params.items()}
    real, sent, _, cap = trainer._batch(8)
    with torch.no_grad():
        before = trainer._reconstruction(cfg.gan.stages[0], real, sent, cap)["rec_l1"].item()
    trainer.warm_e(cfg.gan.e_warmup, cfg.gan.stages[0])
    assert trainer.e_ready
    for n, p in trainer.g_params.items():
        assert torch.equal(p, g_before[n]), n  # only the encoder learned
        assert p.requires_grad, n  # and G learns again afterwards
    with torch.no_grad():
        after = trainer._reconstruction(cfg.gan.stages[0], real, sent, cap)["rec_l1"].item()
    assert after < before


def test_the_feature_term_is_in_the_loss_only_when_asked(pairs, clip, tmp_path):
    torch.manual_seed(4)
    trainer = GALIPTrainer(_recon_config(tmp_path / "run", 1), clip, pairs, log=lambda m: None)
    stage = trainer.cfg.gan.stages[0]
    real, sent, _, cap = trainer._batch(4)
    torch.manual_seed(5)
    plain = trainer._reconstruction(stage, real, sent, cap)
    assert "rec_feat" not in plain
    torch.manual_seed(5)
    with_feat = trainer._reconstruction(Stage("recon", 1, rec_w=10.0, kl_w=0.01, rec_feat_w=3.0), real, sent, cap)
    assert with_feat["rec_feat"].item() > 0
    expected = plain["loss"].item() + 3.0 * with_feat["rec_feat"].item()
    assert with_feat["loss"].item() == pytest.approx(expected, rel=1e-4)


def test_the_redrawings_are_judged_only_in_gs_step_and_only_when_asked(pairs, clip, tmp_path):
    torch.manual_seed(8)
    trainer = GALIPTrainer(_recon_config(tmp_path / "run", 1), clip, pairs, log=lambda m: None)
    judged = Stage("recon", 1, rec_w=10.0, kl_w=0.01, rec_adv_w=2.0)
    real, sent, _, cap = trainer._batch(4)
    assert "rec_adv" not in trainer._reconstruction(judged, real, sent, cap)  # the encoder's warm-up
    assert "rec_adv" not in trainer._reconstruction(trainer.cfg.gan.stages[0], real, sent, cap, judged=True)
    torch.manual_seed(9)
    plain = trainer._reconstruction(trainer.cfg.gan.stages[0], real, sent, cap)
    torch.manual_seed(9)
    with_adv = trainer._reconstruction(judged, real, sent, cap, judged=True)
    assert math.isfinite(with_adv["rec_adv"].item())
    expected = plain["loss"].item() + 2.0 * with_adv["rec_adv"].item()
    assert with_adv["loss"].item() == pytest.approx(expected, rel=1e-4)
    cfg = _recon_config(tmp_path / "train", 2)
    cfg.gan.stages[0].rec_adv_w = 1.0
    again = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    again.train()
    assert all(math.isfinite(h["rec_adv"]) for h in again.history)


def test_the_latent_regression_moves_g_and_leaves_the_encoder_alone(pairs, clip, tmp_path):
    torch.manual_seed(6)
    trainer = GALIPTrainer(_recon_config(tmp_path / "run", 1), clip, pairs, log=lambda m: None)
    assert trainer.netE is not None
    torch.nn.init.normal_(trainer.netE.head.weight, std=0.1)  # an encoder that reads something (a new one reads 0)
    real, sent, _, cap = trainer._batch(4)
    noise = torch.randn(4, trainer.arch.netG.nz)
    fake = trainer.netG(noise, sent, None, *trainer._words(cap)).float()
    read = torch.zeros(trainer.arch.netG.nz)
    read[:5] = 1.0  # the dimensions the encoder reads
    lat = trainer._latent_regression(fake, noise, read)
    with torch.no_grad():
        mu, _ = trainer.netE(fake)
    assert lat.item() == pytest.approx((mu - noise)[:, :5].abs().mean().item(), rel=1e-4)
    lat.backward()
    assert all(p.grad is None for p in trainer.netE.parameters())  # frozen for this term
    assert all(p.requires_grad for p in trainer.netE.parameters())  # and learns again afterwards
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainer.g_params.values())


def test_a_stage_with_latent_regression_logs_it_and_stays_finite(pairs, clip, tmp_path):
    torch.manual_seed(7)
    cfg = _recon_config(tmp_path / "run", 3)
    cfg.gan.stages[0].lat_w = 0.5
    trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    trainer.train()
    assert all("lat" in h and math.isfinite(h["lat"]) for h in trainer.history)
    assert all(0 <= h["e_dims"] <= trainer.arch.netG.nz for h in trainer.history)
    plain = GALIPTrainer(_recon_config(tmp_path / "plain", 1), clip, pairs, log=lambda m: None)
    plain.train()
    assert "lat" not in plain.history[-1]


def _layout_trainer(out_dir, clip, pairs, steps: int = 1):
    cfg = _tiny_config(out_dir, steps=steps)
    cfg.synthetic.categories = ["food"]
    cfg.gan.layout_renders, cfg.gan.layout_steps = 24, 3
    cfg.gan.stages = [Stage("layout", steps, batch_size=8, ms_layout_w=5.0)]
    return GALIPTrainer(cfg, clip, pairs, log=lambda m: None)


def test_layout_seeking_pays_when_a_seed_pair_draws_one_arrangement(pairs, clip, tmp_path):
    torch.manual_seed(8)
    trainer = _layout_trainer(tmp_path / "run", clip, pairs)
    trainer.prepare(trainer.cfg.gan.stages[0])
    assert trainer.layout_net is not None and (tmp_path / "run" / "layout-train.safetensors").exists()
    parts = len(RENDERERS["food"].parts)
    target = trainer.layout_target  # per part, in picture widths
    assert target.shape == (parts,) and 0 < target.max() < 1.5 and target.min() >= 0
    assert trainer.scene_target is not None and trainer.scene_target.shape == (len(pairs), parts)
    real, sent, idx, cap = trainer._batch(4)
    one = real[:2].repeat(2, 1, 1, 1)  # pairs (0, 2) and (1, 3): one picture twice
    same, moved_same = trainer._layout_seeking(one, 2, real[:2], idx)
    assert moved_same.item() == pytest.approx(0.0, abs=1e-3)
    _, shown = describe(trainer.layout_net.part_map(real[:2]))
    shown = shown >= PRESENT  # one picture twice pays the whole target of every part it shows
    own = trainer.scene_target[idx[:2]]  # the scene's own target (renders of it in other layouts)
    assert shown.any() and same.item() == pytest.approx(float((own * shown).sum() / shown.sum()), abs=1e-3)
    other, moved = trainer._layout_seeking(real, 2, real[:2], idx)
    assert moved.item() > moved_same.item() and other.item() < same.item()
    noise = torch.randn(4, trainer.arch.netG.nz)
    fake = trainer.netG(noise, sent[[0, 1, 0, 1]], None, *trainer._words(cap[[0, 1, 0, 1]])).float()
    loss, _ = trainer._layout_seeking(fake, 2, real[:2], idx)
    loss.backward()
    assert all(p.grad is None for p in trainer.layout_net.parameters())  # the part-map net is frozen
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainer.g_params.values())


def test_pairs_without_a_scene_seek_the_categorys_layout_target(pairs, clip, tmp_path):
    """Data not drawn by the renderer (no scene to render in other layouts): each pair pays
    against the category's target per part."""
    plain = [Pair(p.image, p.captions, {}) for p in pairs]
    trainer = _layout_trainer(tmp_path / "run", clip, plain)
    trainer.prepare(trainer.cfg.gan.stages[0])
    assert trainer.scene_target is None
    real, _, idx, _ = trainer._batch(2)
    same, _ = trainer._layout_seeking(real[:1].repeat(2, 1, 1, 1), 1, real[:1], idx)
    _, shown = describe(trainer.layout_net.part_map(real[:1]))
    shown = shown >= PRESENT
    assert same.item() == pytest.approx(float((trainer.layout_target * shown).sum() / shown.sum()), abs=1e-3)


def test_a_layout_seeking_stage_logs_it_and_reuses_its_part_map_net(pairs, clip, tmp_path):
    torch.manual_seed(9)
    trainer = _layout_trainer(tmp_path / "run", clip, pairs, steps=3)
    trainer.train()
    assert all(math.isfinite(h["ms_lay"]) and h["lay_moved"] >= 0 for h in trainer.history)
    again = _layout_trainer(tmp_path / "run", clip, pairs, steps=4)
    logs: list[str] = []
    again.log = logs.append
    again.prepare(again.cfg.gan.stages[0])
    assert not any(m.startswith("[layout food]") for m in logs), logs  # loaded, not trained again
    for name, t in again.layout_net.state_dict().items():
        assert torch.equal(t, trainer.layout_net.state_dict()[name]), name


def test_the_seed_codes_tool_reads_a_shipped_generator(tmp_path, monkeypatch, capsys):
    """tools/seed_codes.py, small: an encoder fitted to demo-food's G, three noises measured, a sheet."""
    import re
    import runpy
    import sys

    sheet = tmp_path / "sheet.png"
    argv = [
        "seed_codes.py",
        "food",
        "--renders",
        "48",
        "--steps",
        "3",
        "--seeds",
        "2",
        "--items",
        "3",
        "--threads",
        "1",
    ]
    monkeypatch.setattr(sys, "argv", [*argv, "--sheet", str(sheet)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path("tools/seed_codes.py", run_name="__main__")
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "codes of 48 renders" in out
    for name in ("seeds", "fitted", "codes"):
        assert re.search(rf"{name} +FD \d+\.\d\d .*objects \d+%, layout spread \d\.\d\d", out), out
    from PIL import Image

    with Image.open(sheet) as im:  # 3 prompts, each a row of 2 renders, 2 seeds, 2 codes (64 px)
        assert im.size == (2 + 6 * 66, 2 + 3 * 66)
