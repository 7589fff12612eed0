from __future__ import annotations

import copy
import json
import shutil

import pytest
import torch

from generation.engine import Engine, GenerationRequest
from generation.engine.clip import build_clip
from generation.engine.configs import SRConfig
from generation.engine.upscale import SRNet
from generation.training.__main__ import main as training_cli
from generation.training.clip_train import ClipBundle, clip_config
from generation.training.config import (
    BuildConfig,
    ClipTrainConfig,
    GANConfig,
    PackageSpec,
    RunConfig,
    Stage,
    config_to_dict,
)
from generation.training.data import read_pairs
from generation.training.synthetic.dataset import render_dataset
from generation.training.trainer import GALIPTrainer, history_summary

TINY_CLIP = ClipTrainConfig(
    embed_dim=32,
    vision={"image_size": 32, "patch_size": 8, "width": 32, "layers": 2, "head_width": 16, "mlp_ratio": 2.0},
    text={"context_length": 96, "vocab_size": 8194, "width": 32, "heads": 2, "layers": 1, "mlp_ratio": 2.0},
)


def _tiny_config(out_dir, steps: int = 20) -> BuildConfig:
    gan = GANConfig(
        netg={
            "ngf": 8,
            "imsize": 32,
            "out_size": 32,
            "code_ch": 16,
            "mid_ch": 8,
            "n_mblocks": 1,
            "n_prompts": 1,
            "prompt_start": 1,
        },
        netd={"out_ch": 32},
        netc={"hidden": 16},
        tap_layers=[0, 1],
        ema_start=5,
        stages=[Stage("warmup", steps // 2, batch_size=8, sim_w=6.0), Stage("main", steps - steps // 2, batch_size=8)],
    )
    return BuildConfig(
        gan=gan, run=RunConfig(out_dir=str(out_dir), seed=3, sample_every=10, checkpoint_every=10, log_every=5)
    )


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke")
    pairs = read_pairs(render_dataset(root / "data", per_category=16, size=32, progress=False))
    torch.manual_seed(0)
    cc = clip_config(TINY_CLIP)
    clip = ClipBundle(cc, build_clip(cc))
    trainer = GALIPTrainer(_tiny_config(root / "run"), clip, pairs, log=lambda m: None)
    trainer.train()
    return root, trainer, clip, pairs


def test_twenty_steps_lower_the_discriminator_loss(tiny_run):
    _, trainer, _, _ = tiny_run
    summary = history_summary(trainer.history, k=5)
    assert summary["steps"] == 20 and summary["finite"] == 1.0
    assert summary["d_last"] < summary["d_first"] - 0.1, summary


def test_run_writes_checkpoint_samples_and_history(tiny_run):
    root, trainer, _, _ = tiny_run
    out = root / "run"
    assert (out / "checkpoint.pt").exists()
    assert sorted(p.name for p in (out / "samples").iterdir()) == ["step_000010.png", "step_000020.png"]
    rows = [json.loads(line) for line in (out / "history.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [5, 10, 15, 20]
    assert {r["stage"] for r in rows} == {"warmup", "main"}


def test_resume_continues_from_the_checkpoint(tiny_run, tmp_path):
    root, trainer, clip, pairs = tiny_run
    cfg = _tiny_config(root / "run", steps=24)
    again = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    assert again.load_checkpoint() and again.step == 20
    for name, p in again.g_params.items():
        assert torch.equal(p.detach(), trainer.g_params[name].detach())
    again.train()
    assert again.step == 24 and len(again.history) == 4


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_checkpoint_written_on_the_cpu_resumes_on_a_gpu(tiny_run, tmp_path):
    """Resuming on CUDA once failed twice: the RNG state and the embedding cache came back on the GPU."""
    root, trainer, clip, pairs = tiny_run
    cfg = _tiny_config(root / "run", steps=22)
    cfg.run.out_dir = str(tmp_path / "run")
    shutil.copytree(root / "run", tmp_path / "run")
    cfg.run.device = "cuda"
    own_clip = ClipBundle(clip.config, copy.deepcopy(clip.model))  # the trainer moves it to the GPU
    again = GALIPTrainer(cfg, own_clip, pairs, log=lambda m: None)
    assert again.load_checkpoint() and again.step == 20
    assert again.emb_cache.device.type == "cpu"
    again.train()
    assert again.step == 22 and next(iter(again.g_params.values())).device.type == "cuda"


def test_export_is_a_package_the_engine_loads_and_generates_from(tiny_run, tmp_path):
    _, trainer, _, _ = tiny_run
    trainer.export(PackageSpec("smoke-landscape", "landscape", description="smoke"), tmp_path / "pkg")
    engine = Engine.load(str(tmp_path / "pkg"), device="cpu")
    images = engine.generate(GenerationRequest("a landscape at night in winter", width=256, height=256, seed=5))
    assert len(images) == 1 and images[0].image.size == (256, 256)
    again = engine.generate(GenerationRequest("a landscape at night in winter", width=256, height=256, seed=5))
    assert images[0].image.tobytes() == again[0].image.tobytes()
    manifest = json.loads((tmp_path / "pkg" / "model.json").read_text())
    assert manifest["category"] == "landscape" and manifest["trained"] is True


def test_the_export_command_packs_the_checkpoint_with_the_builds_own_sr_net(tiny_run, tmp_path):
    """`export` reads <out_dir>/gan/checkpoint.pt and <out_dir>/sr.pt; it must not train a new SR net."""
    root, _, clip, _ = tiny_run
    build = tmp_path / "build"
    shutil.copytree(root / "run", build / "gan")
    clip.save(build / "clip")
    sr = SRNet(SRConfig(4, 8, 1))
    torch.save({"config": {"scale": 4, "channels": 8, "blocks": 1}, "state": sr.state_dict()}, build / "sr.pt")
    cfg = config_to_dict(_tiny_config(build))
    cfg["screen"]["enabled"] = False
    cfg["sr"].update(steps=2, n_scenes=4)  # what a wrongly retrained SR net would use (quick to fail)
    cfg["models_dir"] = str(tmp_path / "models")
    cfg["packages"] = [{"name": "smoke-food", "category": "food", "description": "smoke"}]
    (tmp_path / "build.json").write_text(json.dumps(cfg))
    data = str(root / "data" / "captions.jsonl")
    assert training_cli(["export", "--config", str(tmp_path / "build.json"), "--data", data]) == 0
    manifest = json.loads((tmp_path / "models" / "smoke-food" / "model.json").read_text())
    assert manifest["super_resolution"] == {"scale": 4, "channels": 8, "blocks": 1}
    assert manifest["training"]["steps"] == torch.load(build / "gan" / "checkpoint.pt", weights_only=False)["step"]
    assert not (build / "gan" / "sr.pt").exists()


def test_a_stage_can_switch_the_generator_to_bilinear_upsampling(tiny_run, tmp_path):
    """A last stage with upsample = "bilinear": G's blocks switch when it starts, a resumed run
    comes back in that mode, and a package records the mode of the step it comes from."""
    from generation.training.pipeline import export_packages

    _, _, clip, pairs = tiny_run
    cfg = _tiny_config(tmp_path / "run", steps=4)
    cfg.gan.stages = [Stage("tiles", 2, batch_size=8), Stage("smooth", 2, batch_size=8, upsample="bilinear")]
    cfg.run.snapshot_every = 2
    trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    assert {b.upsample for b in trainer.netG.GBlocks} == {"nearest"}
    trainer.train()
    assert {b.upsample for b in trainer.netG.GBlocks} == {"bilinear"}
    assert trainer.arch.netG.upsample == "bilinear" and trainer.ema_generator().GBlocks[-1].upsample == "bilinear"

    again = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    assert again.load_checkpoint() and again.step == 4
    assert {b.upsample for b in again.netG.GBlocks} == {"bilinear"}

    cfg.sr.enabled = False
    cfg.packages = [PackageSpec("smooth-landscape", "landscape")]
    for snapshot, mode in (("ema_000002.pt", "nearest"), (None, "bilinear")):
        cfg.models_dir = str(tmp_path / f"models-{mode}")
        snap = str(tmp_path / "run" / snapshot) if snapshot else None
        [folder] = export_packages(cfg, again, log=lambda m: None, snapshot=snap)
        assert json.loads((folder / "model.json").read_text())["architecture"]["netG"]["upsample"] == mode
        engine = Engine.load(str(folder), device="cpu")
        assert {b.upsample for b in engine.netG.GBlocks} == {mode}


def test_a_stage_can_switch_to_the_retuned_text_tower(tiny_run, tmp_path):
    """A last stage with retune_text: the text tower is re-tuned once when it starts and kept
    in clip_text.safetensors, the sentence embeddings come from it, a resumed run reads the same
    file instead of tuning again, and a package carries the text tower of its step's stage."""
    import copy

    from safetensors.torch import load_file

    from generation.training.clip_train import text_parameters
    from generation.training.config import TextTuneConfig
    from generation.training.pipeline import export_packages

    _, _, clip, pairs = tiny_run
    clip = ClipBundle(clip.config, copy.deepcopy(clip.model))  # the trainer swaps weights in place
    base = {n: p.detach().clone() for n, p in text_parameters(clip.model).items()}
    cfg = _tiny_config(tmp_path / "run", steps=4)
    cfg.gan.stages = [Stage("plain", 2, batch_size=8), Stage("tuned", 2, batch_size=8, retune_text=True)]
    cfg.gan.text_retune = TextTuneConfig(steps=6, batch_size=16, lr=1e-3, attr_w=3.0, log_every=3)
    cfg.run.snapshot_every = 2
    logs: list[str] = []
    trainer = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    trainer.train(max_steps=2)
    assert not trainer.text_tuned and not (tmp_path / "run" / "clip_text.safetensors").exists()
    trainer.train()
    saved = load_file(str(tmp_path / "run" / "clip_text.safetensors"))
    assert sum("re-tuning the CLIP text tower" in m for m in logs) == 1
    assert trainer.text_tuned and set(saved) == set(base)
    assert all(torch.equal(p.cpu(), saved[n]) for n, p in text_parameters(clip.model).items())
    assert any(not torch.equal(saved[n], base[n]) for n in base)
    cap = torch.tensor([0, 1])
    assert torch.allclose(trainer._embeddings(cap), clip.encode_texts(trainer.captions[:2]))

    fresh = ClipBundle(clip.config, copy.deepcopy(clip.model))
    with torch.no_grad():
        for n, p in text_parameters(fresh.model).items():
            p.copy_(base[n])
    logs.clear()
    again = GALIPTrainer(cfg, fresh, pairs, log=logs.append)
    assert again.load_checkpoint() and again.step == 4 and again.text_tuned
    assert not any("re-tuning" in m for m in logs)
    assert all(torch.equal(p.cpu(), saved[n]) for n, p in text_parameters(fresh.model).items())

    cfg.sr.enabled = False
    cfg.packages = [PackageSpec("tuned-anime", "anime")]

    def distance(a, b):  # over the whole tower: the packages hold it in fp16
        return sum(float((a[n].float().cpu() - b[n].float().cpu()).pow(2).sum()) for n in base) ** 0.5

    for snapshot, expected, other in (("ema_000002.pt", base, saved), (None, saved, base)):
        cfg.models_dir = str(tmp_path / f"models-{snapshot}")
        snap = str(tmp_path / "run" / snapshot) if snapshot else None
        [folder] = export_packages(cfg, again, log=lambda m: None, snapshot=snap)
        weights = text_parameters(Engine.load(str(folder), device="cpu").clip_model)
        assert distance(weights, expected) < 0.1 * distance(weights, other), snapshot


def test_a_run_can_fine_tune_the_generator_of_a_package(tiny_run, tmp_path):
    """gan.init_package: G and its EMA start from the package's generator, the Ds train alone
    for gan.d_warmup steps (G untouched, no step counted), then G trains; the export records
    where it started and ships the package's SR net (sr.package). A package whose generator
    has another shape is refused with both shapes named."""
    from generation.training.pipeline import export_packages

    _, trainer, clip, pairs = tiny_run
    models = tmp_path / "models"
    sr = SRNet(SRConfig(4, 8, 1))
    trainer.export(PackageSpec("base", "landscape"), models / "base", sr_net=sr)
    start = {n: p.detach().clone() for n, p in trainer.ema_generator().named_parameters() if n in trainer.g_params}

    cfg = _tiny_config(tmp_path / "run", steps=4)
    cfg.models_dir = str(models)
    cfg.gan.init_package, cfg.gan.d_warmup = "base", 6
    logs: list[str] = []
    tuned = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    for n, p in tuned.g_params.items():  # the package holds fp16
        assert torch.allclose(p.detach(), start[n], atol=2e-3) and torch.equal(tuned.ema[n], p.detach())
    g_before = {n: p.detach().clone() for n, p in tuned.g_params.items()}
    d_before = {n: p.detach().clone() for n, p in tuned.netD.named_parameters()}
    tuned.warm_d(cfg.gan.d_warmup, cfg.gan.stages[0])
    assert tuned.step == 0 and tuned.d_ready and any("D warm-up 6/6" in m for m in logs)
    assert all(torch.equal(p.detach(), g_before[n]) for n, p in tuned.g_params.items())
    assert any(not torch.equal(p.detach(), d_before[n]) for n, p in tuned.netD.named_parameters())
    tuned.train()
    assert tuned.step == 4 and any(not torch.equal(p.detach(), g_before[n]) for n, p in tuned.g_params.items())

    again = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    assert again.load_checkpoint() and again.d_ready and again.init_from == {"package": "base", "steps": 20}
    cfg.sr.package = "base"
    cfg.packages = [PackageSpec("tuned", "landscape")]
    base_card = json.loads((models / "base" / "model.json").read_text())
    base_card["training"]["sr"] = {"method": "restoring SR", "steps": 7}  # as restore-sr records it
    (models / "base" / "model.json").write_text(json.dumps(base_card))
    [folder] = export_packages(cfg, again, log=lambda m: None)
    manifest = json.loads((folder / "model.json").read_text())
    assert manifest["training"]["steps"] == 4 and manifest["training"]["init_from"] == {"package": "base", "steps": 20}
    assert manifest["training"]["sr"] == {"method": "restoring SR", "steps": 7}  # the SR net keeps its record
    assert manifest["super_resolution"] == {"scale": 4, "channels": 8, "blocks": 1}

    base_card["training"]["exported_step"] = 12  # exported from ema_000012.pt of a run that went on to 20
    (models / "base" / "model.json").write_text(json.dumps(base_card))
    cfg.run.out_dir = str(tmp_path / "from-snapshot")  # a new run: no checkpoint to resume
    assert GALIPTrainer(cfg, clip, pairs, log=lambda m: None).init_from == {"package": "base", "steps": 12}

    other = _tiny_config(tmp_path / "other", steps=4)
    other.models_dir, other.gan.init_package = str(models), "base"
    other.gan.netg = {**other.gan.netg, "ngf": 4}
    with pytest.raises(ValueError, match="gan.init_package 'base'.*ngf=8.*ngf=4"):
        GALIPTrainer(other, clip, pairs, log=lambda m: None)


def test_a_package_to_start_from_must_exist_and_an_sr_package_must_have_an_sr_net(tiny_run, tmp_path):
    from generation.engine.errors import ModelNotFound
    from generation.training.pipeline import get_sr

    _, trainer, clip, pairs = tiny_run
    models = tmp_path / "models"
    trainer.export(PackageSpec("no-sr", "landscape"), models / "no-sr")
    cfg = _tiny_config(tmp_path / "run", steps=2)
    cfg.models_dir, cfg.gan.init_package = str(models), "nowhere"
    with pytest.raises(ModelNotFound, match="'nowhere'.*available: no-sr"):
        GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    cfg.sr.package = "no-sr"
    with pytest.raises(ValueError, match="sr.package 'no-sr' has no super-resolution net"):
        get_sr(cfg, log=lambda m: None)


def test_a_fine_tune_can_grow_word_attention_on_a_packages_generator(tiny_run, tmp_path):
    """gan.netg.word_attn on a package trained without it: the package's weights are copied,
    the new layers start as the identity (G draws what the package drew), G trains with the
    captions' words, and the export is a package the engine generates from with them. The
    other way round (dropping a package's word attention) is refused."""
    _, trainer, clip, pairs = tiny_run
    models = tmp_path / "models"
    trainer.export(PackageSpec("base", "landscape"), models / "base")

    cfg = _tiny_config(tmp_path / "run", steps=4)
    cfg.models_dir, cfg.gan.init_package = str(models), "base"
    cfg.gan.netg = {**cfg.gan.netg, "word_attn": True}
    logs: list[str] = []
    grown = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    assert any("word attention is new" in m for m in logs)
    new = [n for n in grown.g_params if n.startswith("word_attn.")]
    assert new and all(n.startswith("word_attn.") for n in set(grown.g_params) - set(trainer.g_params))
    base = Engine.load(models / "base", device="cpu")
    caption = pairs[0].captions[0]
    noise = torch.randn(2, grown.arch.netG.nz)
    sent = clip.encode_texts([caption] * 2)
    words, pad = clip.encode_words([caption] * 2)
    with torch.no_grad():
        drawn = grown.netG.eval()(noise, sent, None, words, pad)
    assert torch.allclose(drawn, base.render_native(noise, sent[0]), atol=2e-2)  # the package holds fp16

    before = {n: grown.g_params[n].detach().clone() for n in new}
    grown.netG.train()
    grown.train()
    assert grown.step == 4 and any(not torch.equal(grown.g_params[n].detach(), before[n]) for n in new)
    grown.export(PackageSpec("grown", "landscape"), models / "grown")
    engine = Engine.load(models / "grown", device="cpu")
    assert json.loads((models / "grown" / "model.json").read_text())["architecture"]["netG"]["word_attn"] is True
    assert engine.reads_words and engine.generate(GenerationRequest(caption, seed=1))[0].image.size == (512, 512)

    back = _tiny_config(tmp_path / "back", steps=4)
    back.models_dir, back.gan.init_package = str(models), "grown"
    with pytest.raises(ValueError, match="gan.init_package 'grown'.*word_attn=True.*word_attn=False"):
        GALIPTrainer(back, clip, pairs, log=lambda m: None)


def test_a_fine_tune_can_grow_a_block_that_doubles_the_native_size(tiny_run, tmp_path):
    """gan.netg with one more G block at the end (block_channels keeping the package's ladder):
    the package's weights are copied, the new block starts as a plain enlargement (G draws the
    package's picture at twice the size), G trains at the new size, and the export is a package
    of that native size. A ladder that changes an old block is refused."""
    from generation.training.trainer import grown_blocks

    _, trainer, clip, pairs = tiny_run
    models = tmp_path / "models"
    trainer.export(PackageSpec("base", "landscape"), models / "base")
    old = trainer.arch.netG
    ladder = [*old.channels(), old.channels()[-1]]

    cfg = _tiny_config(tmp_path / "run", steps=2)
    cfg.models_dir, cfg.gan.init_package = str(models), "base"
    cfg.data.size = 64
    cfg.gan.netg = {**cfg.gan.netg, "imsize": 64, "out_size": 64, "block_channels": ladder}
    logs: list[str] = []
    grown = GALIPTrainer(cfg, clip, pairs, log=logs.append)
    assert grown_blocks(old, grown.arch.netG) == [old.n_blocks]
    assert any("grows blocks" in m for m in logs)
    base = Engine.load(models / "base", device="cpu")
    noise = torch.randn(2, grown.arch.netG.nz)
    sent = clip.encode_texts([pairs[0].captions[0]] * 2)
    with torch.no_grad():
        drawn = grown.netG.eval()(noise, sent)
        small = torch.nn.functional.interpolate(drawn, size=(32, 32), mode="area")
    assert drawn.shape[-1] == 64
    # the same picture, enlarged (to_rgb now runs on enlarged features: close, not equal)
    assert (small - base.render_native(noise, sent[0])).abs().mean() < 0.05
    grown.netG.train()
    grown.train()
    grown.export(PackageSpec("grown", "landscape"), models / "grown")
    assert Engine.load(models / "grown", device="cpu").manifest.native_size == (64, 64)

    bad = _tiny_config(tmp_path / "bad", steps=2)
    bad.models_dir, bad.gan.init_package = str(models), "base"
    bad.gan.netg = {**bad.gan.netg, "imsize": 64, "out_size": 64, "block_channels": [*ladder[:-1], 4]}
    with pytest.raises(ValueError, match="gan.init_package 'base'"):
        GALIPTrainer(bad, clip, pairs, log=lambda m: None)


def test_the_ema_moves_each_weight_a_fraction_towards_g_and_copies_it_before_ema_start(tiny_run, tmp_path):
    _, _, clip, pairs = tiny_run
    cfg = _tiny_config(tmp_path / "run")
    cfg.gan.ema_decay, cfg.gan.ema_start = 0.9, 1
    trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    with torch.no_grad():
        for p in trainer.g_params.values():
            p.add_(torch.randn_like(p))  # G moves away from its average
    before = {n: t.clone() for n, t in trainer.ema.items()}
    trainer._update_ema()  # step 0 < ema_start: the average is G itself
    for n, p in trainer.g_params.items():
        assert torch.equal(trainer.ema[n], p), n
    trainer.step = 1
    with torch.no_grad():
        for p in trainer.g_params.values():
            p.add_(1.0)
    trainer._update_ema()
    for n, p in trainer.g_params.items():
        torch.testing.assert_close(trainer.ema[n], 0.9 * (p - 1.0) + 0.1 * p)
    assert any(not torch.equal(before[n], trainer.ema[n]) for n in before)


def test_g_reads_the_same_words_from_the_token_cache_as_from_the_captions(tiny_run, tmp_path):
    """Captions are tokenized once each (trainer.tok_cache); G's word attention must read the
    same token embeddings and padding as tokenizing the captions afresh."""
    root, trainer, clip, pairs = tiny_run
    cfg = _tiny_config(tmp_path / "run", steps=2)
    cfg.gan.netg = {**cfg.gan.netg, "word_attn": True}
    worded = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
    cap = torch.tensor([0, 3, 3, len(worded.captions) - 1, 0])
    words, pad = worded._words(cap)
    again, again_pad = worded._words(cap)  # from the cache this time
    direct, direct_pad = clip.encode_words([worded.captions[i] for i in cap.tolist()])
    assert int(worded.tok_done.sum()) == 3
    assert torch.equal(pad, direct_pad) and torch.equal(again_pad, direct_pad)
    assert torch.allclose(words, direct) and torch.allclose(again, direct)


def test_data_oversample_draws_the_scenes_with_a_value_that_many_times_as_often(tiny_run, tmp_path):
    _, _, clip, pairs = tiny_run
    night = {i for i, p in enumerate(pairs) if p.meta["scene"]["attrs"].get("time") == "night"}
    assert 0 < len(night) < len(pairs) / 4

    def night_share(oversample: dict[str, dict[str, float]]) -> float:
        cfg = _tiny_config(tmp_path / f"run{len(oversample)}", steps=2)
        cfg.data.oversample = oversample
        trainer = GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
        drawn = torch.cat([trainer._batch(8)[2] for _ in range(50)]).tolist()
        return sum(i in night for i in drawn) / len(drawn)

    weight = 20.0
    expected = weight * len(night) / (weight * len(night) + len(pairs) - len(night))
    assert night_share({}) < 0.25
    assert abs(night_share({"time": {"night": weight}}) - expected) < 0.1


def test_data_oversample_of_a_value_no_scene_has_is_an_error_that_names_it(tiny_run, tmp_path):
    _, _, clip, pairs = tiny_run
    cfg = _tiny_config(tmp_path / "run", steps=2)
    cfg.data.oversample = {"snow": {"green": 3.0}}
    with pytest.raises(ValueError, match=r"data\.oversample\.snow\.green: no scene of the data has snow = 'green'"):
        GALIPTrainer(cfg, clip, pairs, log=lambda m: None)
