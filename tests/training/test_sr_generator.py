"""The restoring SR net trained on the generator's own pictures (sr_generator.py, `restore-sr`)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from generation.engine import Engine, GenerationRequest
from generation.engine.configs import SRConfig
from generation.engine.package import load_package, read_manifest
from generation.engine.upscale import SRNet
from generation.training.__main__ import main as training_cli
from generation.training.clip_train import ClipBundle, clip_config
from generation.training.config import PackageSpec, SRTrainConfig
from generation.training.data import read_pairs
from generation.training.sr_generator import (
    FrozenGenerator,
    agreement,
    fit_encoder,
    generator_pairs,
    refine_noise,
    render_scenes,
    restore_sr,
    train_restoring_sr,
)
from generation.training.synthetic import render, sample_scene
from generation.training.synthetic.dataset import render_dataset
from generation.training.trainer import GALIPTrainer

from .test_trainer_smoke import TINY_CLIP, _tiny_config

TINY_SR = SRTrainConfig(
    channels=8, blocks=1, native=32, n_scenes=24, steps=60, batch_size=8, crop=16, lr=2e-3, encoder_steps=6, draws=1
)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """A folder of models holding one tiny food package (a G that reads words, an SR net)."""
    root = tmp_path_factory.mktemp("restore")
    pairs = read_pairs(render_dataset(root / "data", categories=("food",), per_category=8, size=32, progress=False))
    torch.manual_seed(0)
    cc = clip_config(TINY_CLIP)
    from generation.engine.clip import build_clip

    cfg = _tiny_config(root / "run", steps=2)
    cfg.gan.netg["word_attn"] = True
    trainer = GALIPTrainer(cfg, ClipBundle(cc, build_clip(cc)), pairs, log=lambda m: None)
    trainer.export(PackageSpec("tiny-food", "food"), root / "models" / "tiny-food", sr_net=SRNet(SRConfig(4, 8, 1)))
    return root / "models"


def test_the_pairs_are_the_generators_pictures_of_the_scenes_beside_their_large_renders(models):
    gen = FrozenGenerator(load_package(models / "tiny-food"))
    scenes = render_scenes("food", 6, native=32, scale=4)
    enc, history = fit_encoder(gen, scenes, TINY_SR, log=lambda m: None)
    assert len(history) == TINY_SR.encoder_steps and all(np.isfinite(history))
    pairs = generator_pairs(gen, enc, scenes, draws=2)
    assert pairs.drawn.shape == (6, 3, 3, 32, 32) and pairs.large.shape == (6, 3, 128, 128)

    with torch.no_grad():
        mu, _ = enc(scenes.native.float().div(127.5).sub(1))
        from_mean = gen(mu, scenes.captions)
    assert (pairs.drawn[:, 0].float().div(127.5).sub(1) - from_mean).abs().max() <= 1 / 127.5  # G's own picture
    assert not torch.equal(pairs.drawn[:, 0], pairs.drawn[:, 1])  # a posterior sample draws another one
    assert not torch.equal(pairs.drawn[:, 0], scenes.native)  # not the render itself
    first = sample_scene("food", 60_000_000, "train")
    assert torch.equal(pairs.large[0], torch.from_numpy(np.array(render(first, 128))).permute(2, 0, 1))


def test_agreement_leaves_out_an_object_g_did_not_draw_and_keeps_the_flat_areas():
    target = -torch.ones(1, 3, 64, 64)
    target[..., :, 32:] = 1.0  # a vertical edge
    target[..., 8:16, 8:16] = 1.0  # a small object G will miss
    drawn = -torch.ones(1, 3, 64, 64)
    drawn[..., :, 33:] = 1.0  # the edge one pixel off
    small = F.interpolate(drawn, size=16, mode="area")
    mask = agreement(small, target, tau=0.25)
    assert mask.shape == (1, 1, 64, 64)
    assert mask[0, 0, 8:16, 8:16].sum() == 0  # the missing object is left out
    assert mask[0, 0, 24:, :24].mean() == 1.0 and mask[0, 0, :, 48:].mean() == 1.0  # flat areas count
    assert mask.mean() > 0.7


def test_refining_the_encoders_noise_redraws_the_renders_closer(models):
    gen = FrozenGenerator(load_package(models / "tiny-food"))
    scenes = render_scenes("food", 8, native=32, scale=4)
    real = scenes.native.float().div(127.5).sub(1)
    z = torch.zeros(8, gen.nz)  # where an encoder at the prior starts
    refined = refine_noise(gen, z, real, scenes.captions, steps=15)
    with torch.no_grad():
        before = (gen(z, scenes.captions) - real).abs().mean()
        after = (gen(refined, scenes.captions) - real).abs().mean()
    assert after < before - 0.001, (before, after)  # an untrained G depends little on its noise


def test_training_on_the_pairs_lowers_the_restoring_loss(models):
    gen = FrozenGenerator(load_package(models / "tiny-food"))
    scenes = render_scenes("food", 16, native=32, scale=4)
    enc, _ = fit_encoder(gen, scenes, TINY_SR, log=lambda m: None)
    net, history = train_restoring_sr(generator_pairs(gen, enc, scenes, draws=1), TINY_SR, log=lambda m: None)
    assert all(np.isfinite(history))
    assert np.mean(history[-10:]) < np.mean(history[:10]) - 0.01, history
    assert net.cfg == SRConfig(4, 8, 1)

    # a patch discriminator's say changes what the net learns from the same pairs and seed
    pairs = generator_pairs(gen, enc, scenes, draws=1)
    plain, _ = train_restoring_sr(pairs, replace(TINY_SR, steps=10), log=lambda m: None)
    judged, judged_history = train_restoring_sr(pairs, replace(TINY_SR, steps=10, adv_w=0.1), log=lambda m: None)
    assert all(np.isfinite(judged_history))
    assert not torch.equal(plain.tail.weight, judged.tail.weight)


def test_restore_sr_writes_its_net_into_a_copy_of_the_package_that_the_engine_uses(models, tmp_path):
    before = read_manifest(models / "tiny-food")
    note = restore_sr(
        models / "tiny-food", TINY_SR, out_dir=tmp_path / "work", write_to=tmp_path / "copy", log=lambda m: None
    )
    assert read_manifest(models / "tiny-food").files == before.files  # the original is untouched
    after = read_manifest(tmp_path / "copy")
    assert after.files["super_resolution"].sha256 != before.files["super_resolution"].sha256
    assert after.files["generator"] == before.files["generator"]
    data = json.loads((tmp_path / "copy" / "model.json").read_text())
    assert data["training"]["sr"]["steps"] == TINY_SR.steps and note["warm_start"] is True
    assert {"sr_l1", "bicubic_l1", "package_sr_l1", "redraw_l1"} <= set(note)
    engine = Engine.load(tmp_path / "copy", device="cpu")
    [picture] = engine.generate(GenerationRequest("a plate of rice", width=256, height=256, n=1, seed=1))
    assert picture.image.size == (256, 256) and "sr-x4" in picture.settings["method"]
    assert (tmp_path / "work" / "encoder.pt").exists() and (tmp_path / "work" / "pairs.pt").exists()

    # in place, a second call with the same settings leaves the net it trained as it is
    first = restore_sr(tmp_path / "copy", TINY_SR, out_dir=tmp_path / "again", log=lambda m: None)
    trained = read_manifest(tmp_path / "copy").files["super_resolution"]
    assert restore_sr(tmp_path / "copy", TINY_SR, out_dir=tmp_path / "again", log=lambda m: None) == first
    assert read_manifest(tmp_path / "copy").files["super_resolution"] == trained
    restore_sr(tmp_path / "copy", replace(TINY_SR, steps=5), out_dir=tmp_path / "again", log=lambda m: None)
    assert read_manifest(tmp_path / "copy").files["super_resolution"] != trained  # other settings train again


def test_a_missing_package_or_encoder_checkpoint_is_named(models, tmp_path):
    config = tmp_path / "restore.json"
    config.write_text(json.dumps({"models_dir": str(models), "sr": {"native": 32}, "run": {"out_dir": str(tmp_path)}}))
    with pytest.raises(SystemExit, match="no model named 'demo-nowhere'"):
        training_cli(["restore-sr", "demo-nowhere", "--config", str(config)])
    missing = tmp_path / "recon" / "checkpoint.pt"
    with pytest.raises(SystemExit, match=f"encoder.*{missing}"):
        training_cli(["restore-sr", "tiny-food", "--config", str(config), "--set", f"sr.encoder={missing}"])
    no_encoder = tmp_path / "plain.pt"
    torch.save({"step": 3, "netG": {}}, no_encoder)
    with pytest.raises(SystemExit, match=f"{no_encoder}.*no posterior encoder"):
        training_cli(["restore-sr", "tiny-food", "--config", str(config), "--set", f"sr.encoder={no_encoder}"])
