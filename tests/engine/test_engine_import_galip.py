"""import-galip: an official-layout checkpoint plus local CLIP weights become a working package."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from generation.engine import Engine, GenerationRequest, WeightsCorrupt, WeightsMissing
from generation.engine.archs import get_arch
from generation.engine.cli import main as cli_main
from generation.engine.clip import build_clip, load_clip_state_dict
from generation.engine.galip import NetG
from generation.engine.package import load_package


@pytest.fixture(scope="module")
def official_files(tmp_path_factory: pytest.TempPathFactory):
    """A fake official checkpoint ({'model': {'netG': ...}} with DDP's module. prefix) and a CLIP
    weights file saved from a randomly initialised open_clip ViT-B-32-quickgelu."""
    folder = tmp_path_factory.mktemp("galip-import")
    arch = get_arch("galip-coco")
    torch.manual_seed(7)
    clip_model = build_clip(arch.clip)  # random init, never pretrained
    clip_sd = {k: v.detach().half().contiguous() for k, v in clip_model.state_dict().items()}
    clip_file = folder / "clip-vit-b-32.safetensors"
    save_file(clip_sd, str(clip_file))
    netg = NetG(arch.netG, clip_model.visual)
    netg_sd = {k: v.detach().half().clone() for k, v in netg.state_dict().items()}
    # The checkpoint's copy of the CLIP visual tower must win over the CLIP file (GALIP shares the
    # modules, so loading netG overwrites them); make it differ so the test can tell.
    netg_sd["mapping.CLIP_ViT.transformer.resblocks.3.attn.in_proj_weight"] *= -1
    ckpt = {"model": {"netG": {f"module.{k}": v for k, v in netg_sd.items()}, "netD": {}, "netC": {}}, "epoch": 3}
    ckpt_file = folder / "pre_coco.pth"
    torch.save(ckpt, ckpt_file)
    del clip_model, netg, ckpt
    return folder, ckpt_file, clip_file, netg_sd, clip_sd


def test_import_galip_round_trip_keeps_every_weight(official_files):
    folder, ckpt_file, clip_file, netg_sd, clip_sd = official_files
    out = folder / "galip-coco-test"
    code = cli_main(
        ["import-galip", str(ckpt_file), "--clip-arch", "ViT-B-32-quickgelu", "--clip-weights", str(clip_file),
         "--out", str(out), "--name", "galip-coco-test", "--category", "general"]
    )  # fmt: skip
    assert code == 0
    loaded = load_package(out)
    assert loaded.manifest.trained is True
    assert loaded.manifest.native_size == (224, 224)
    assert loaded.manifest.clip_arch == "ViT-B-32-quickgelu"
    got = loaded.netG.state_dict()
    assert got.keys() == netg_sd.keys()
    for key in ("fc_code.weight", "GBlocks.5.c_sc.weight", "mapping.fc_prompt.bias"):
        torch.testing.assert_close(got[key].half(), netg_sd[key], rtol=0, atol=0)
    shared = "mapping.CLIP_ViT.transformer.resblocks.3.attn.in_proj_weight"
    torch.testing.assert_close(got[shared].half(), netg_sd[shared], rtol=0, atol=0)
    # ... and the CLIP model now scores with the checkpoint's visual tower, not the CLIP file's.
    visual = loaded.clip_model.state_dict()["visual.transformer.resblocks.3.attn.in_proj_weight"]
    torch.testing.assert_close(visual.half(), netg_sd[shared], rtol=0, atol=0)
    for key in ("token_embedding.weight", "text_projection", "visual.proj", "visual.ln_post.weight"):
        torch.testing.assert_close(loaded.clip_model.state_dict()[key].half(), clip_sd[key], rtol=0, atol=0)


def test_imported_package_generates_an_exact_size_picture(official_files):
    folder = official_files[0]
    engine = Engine.load(folder / "galip-coco-test", device="cpu", threads=1)
    [result] = engine.generate(GenerationRequest("a bowl of fruit", width=320, height=256, seed=3))
    assert result.image.size == (320, 256)
    assert result.settings["native_size"] == [288, 224]  # 9x7 grid of 32 px cells


def test_missing_checkpoint_is_weights_missing_naming_the_path(official_files, tmp_path):
    _, _, clip_file, _, _ = official_files
    missing = tmp_path / "nope.pth"
    code = cli_main(["import-galip", str(missing), "--clip-weights", str(clip_file), "--out", str(tmp_path / "o")])
    assert code == 2
    from generation.engine.cli import load_galip_netg_state_dict

    with pytest.raises(WeightsMissing, match="nope.pth"):
        load_galip_netg_state_dict(missing)


def test_missing_clip_weights_is_weights_missing_naming_the_path(tmp_path):
    with pytest.raises(WeightsMissing, match="no-clip.safetensors"):
        load_clip_state_dict(tmp_path / "no-clip.safetensors")


def test_garbage_checkpoint_is_weights_corrupt(tmp_path):
    from generation.engine.cli import load_galip_netg_state_dict

    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"this is not a checkpoint at all" * 10)
    with pytest.raises(WeightsCorrupt, match="bad.pth"):
        load_galip_netg_state_dict(bad)


def test_checkpoint_without_netg_is_weights_corrupt(tmp_path):
    from generation.engine.cli import load_galip_netg_state_dict

    path = tmp_path / "other.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}}, path)
    with pytest.raises(WeightsCorrupt, match=r"checkpoint\['model'\]\['netG'\]"):
        load_galip_netg_state_dict(path)


def test_truncated_clip_weights_are_weights_corrupt(official_files, tmp_path):
    _, _, clip_file, _, _ = official_files
    cut = tmp_path / "cut.safetensors"
    cut.write_bytes(Path(clip_file).read_bytes()[:4096])
    with pytest.raises(WeightsCorrupt, match="cut.safetensors"):
        load_clip_state_dict(cut)


def test_clip_weights_from_a_torch_state_dict_file_load(tmp_path):
    model = build_clip(get_arch("galip-tiny").clip)
    path = tmp_path / "open_clip_model.bin"
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)
    sd = load_clip_state_dict(path)
    assert sd.keys() == model.state_dict().keys()


def test_checkpoint_with_a_wrong_shape_is_rejected_naming_the_checkpoint(official_files, tmp_path):
    _, ckpt_file, clip_file, netg_sd, _ = official_files
    broken = dict(netg_sd)
    broken["to_rgb.1.weight"] = torch.zeros(3, 32, 3, 3, dtype=torch.float16)
    path = tmp_path / "wrong_shape.pth"
    torch.save({"model": {"netG": broken}}, path)
    from generation.engine.cli import import_galip

    with pytest.raises(WeightsCorrupt, match="wrong_shape.pth.*to_rgb.1.weight"):
        import_galip(path, "ViT-B-32-quickgelu", clip_file, tmp_path / "out", name="x", category="c", description="")
