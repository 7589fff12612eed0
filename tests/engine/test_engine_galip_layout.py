"""NetG / NetD / NetC match the official GALIP layout key for key (tobran/GALIP)."""

from __future__ import annotations

import pytest
import torch
from open_clip.model import CLIP

from generation.engine.archs import get_arch
from generation.engine.clip import CLIPImageEncoder
from generation.engine.galip import NetC, NetD, NetG, NetGConfig
from generation.engine.package import strip_module_prefix

COND = 612  # noise 100 + sentence 512
G_IN_OUT = [(512, 512), (512, 512), (512, 512), (512, 256), (256, 128), (128, 64)]


def _affine_keys(prefix: str, channels: int) -> dict[str, tuple[int, ...]]:
    keys = {}
    for affine in ("affine0", "affine1"):
        for fc in ("fc_gamma", "fc_beta"):
            base = f"{prefix}.{affine}.{fc}"
            keys[f"{base}.linear1.weight"] = (channels, COND)
            keys[f"{base}.linear1.bias"] = (channels,)
            keys[f"{base}.linear2.weight"] = (channels, channels)
            keys[f"{base}.linear2.bias"] = (channels,)
    return keys


def expected_netg_keys() -> dict[str, tuple[int, ...]]:
    """The GALIP layout, written out: the 525 keys of the released COCO / CC12M netG."""
    keys: dict[str, tuple[int, ...]] = {"fc_code.weight": (3136, 100), "fc_code.bias": (3136,)}
    for b in range(4):
        p = f"mapping.FBlocks.{b}"
        keys[f"{p}.conv1.weight"] = (32, 64, 3, 3)
        keys[f"{p}.conv1.bias"] = (32,)
        keys.update(_affine_keys(f"{p}.fuse1", 32))
        keys[f"{p}.conv2.weight"] = (64, 32, 3, 3)
        keys[f"{p}.conv2.bias"] = (64,)
        keys.update(_affine_keys(f"{p}.fuse2", 64))
    keys["mapping.conv_fuse.weight"] = (768, 64, 5, 5)
    keys["mapping.conv_fuse.bias"] = (768,)
    v = "mapping.CLIP_ViT"
    keys[f"{v}.conv1.weight"] = (768, 3, 32, 32)
    keys[f"{v}.class_embedding"] = (768,)
    keys[f"{v}.positional_embedding"] = (50, 768)
    keys[f"{v}.ln_pre.weight"] = (768,)
    keys[f"{v}.ln_pre.bias"] = (768,)
    for i in range(12):
        r = f"{v}.transformer.resblocks.{i}"
        keys[f"{r}.attn.in_proj_weight"] = (2304, 768)
        keys[f"{r}.attn.in_proj_bias"] = (2304,)
        keys[f"{r}.attn.out_proj.weight"] = (768, 768)
        keys[f"{r}.attn.out_proj.bias"] = (768,)
        keys[f"{r}.ln_1.weight"] = (768,)
        keys[f"{r}.ln_1.bias"] = (768,)
        keys[f"{r}.mlp.c_fc.weight"] = (3072, 768)
        keys[f"{r}.mlp.c_fc.bias"] = (3072,)
        keys[f"{r}.mlp.c_proj.weight"] = (768, 3072)
        keys[f"{r}.mlp.c_proj.bias"] = (768,)
        keys[f"{r}.ln_2.weight"] = (768,)
        keys[f"{r}.ln_2.bias"] = (768,)
    keys["mapping.conv.weight"] = (512, 768, 5, 5)
    keys["mapping.conv.bias"] = (512,)
    keys["mapping.fc_prompt.weight"] = (6144, 612)
    keys["mapping.fc_prompt.bias"] = (6144,)
    for j, (cin, cout) in enumerate(G_IN_OUT):
        p = f"GBlocks.{j}"
        keys[f"{p}.c1.weight"] = (cout, cin, 3, 3)
        keys[f"{p}.c1.bias"] = (cout,)
        keys[f"{p}.c2.weight"] = (cout, cout, 3, 3)
        keys[f"{p}.c2.bias"] = (cout,)
        keys.update(_affine_keys(f"{p}.fuse1", cin))
        keys.update(_affine_keys(f"{p}.fuse2", cout))
        if j >= 3:
            keys[f"{p}.c_sc.weight"] = (cout, cin, 1, 1)
            keys[f"{p}.c_sc.bias"] = (cout,)
    keys["to_rgb.1.weight"] = (3, 64, 3, 3)
    keys["to_rgb.1.bias"] = (3,)
    return keys


def expected_netd_netc_keys() -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """The released netD and netC keys and shapes."""
    d: dict[str, tuple[int, ...]] = {}
    for b in (0, 1):
        d[f"DBlocks.{b}.conv_r.0.weight"] = (768, 768, 3, 3)
        d[f"DBlocks.{b}.conv_r.2.weight"] = (768, 768, 3, 3)
        d[f"DBlocks.{b}.conv_s.weight"] = (768, 768, 1, 1)
        d[f"DBlocks.{b}.conv_s.bias"] = (768,)
        d[f"DBlocks.{b}.gamma"] = (1,)
        d[f"DBlocks.{b}.beta"] = (1,)
    d["main.conv_r.0.weight"] = (512, 768, 3, 3)
    d["main.conv_r.2.weight"] = (512, 512, 3, 3)
    d["main.conv_s.weight"] = (512, 768, 1, 1)
    d["main.conv_s.bias"] = (512,)
    d["main.gamma"] = (1,)
    c = {"joint_conv.0.weight": (128, 1024, 4, 4), "joint_conv.2.weight": (1, 128, 4, 4)}
    return d, c


def _meta_coco():
    arch = get_arch("galip-coco")
    with torch.device("meta"):
        clip = CLIP(
            embed_dim=arch.clip.embed_dim,
            vision_cfg=dict(arch.clip.vision_cfg),
            text_cfg=dict(arch.clip.text_cfg),
            quick_gelu=arch.clip.quick_gelu,
        )
        netg = NetG(arch.netG, clip.visual)
        netd, netc = NetD(arch.netD), NetC(arch.netC)
    return arch, clip, netg, netd, netc


def test_coco_netg_has_exactly_the_525_official_keys_and_shapes():
    _, _, netg, _, _ = _meta_coco()
    actual = {k: tuple(v.shape) for k, v in netg.state_dict().items()}
    expected = expected_netg_keys()
    assert len(expected) == 525
    assert sorted(set(actual) - set(expected)) == []
    assert sorted(set(expected) - set(actual)) == []
    mismatched = {k: (actual[k], expected[k]) for k in expected if actual[k] != expected[k]}
    assert mismatched == {}


def test_coco_parameter_counts_match_the_brief():
    _, _, netg, netd, netc = _meta_coco()
    total = sum(p.numel() for p in netg.parameters())
    learnable = sum(p.numel() for p in netg.parameters() if p.requires_grad)
    assert (total, learnable) == (139_284_675, 51_830_211)
    assert sum(p.numel() for p in netd.parameters()) == 28_706_821
    assert sum(p.numel() for p in netc.parameters()) == 2_099_200


def test_coco_netd_and_netc_keys_match_the_official_layout():
    _, _, _, netd, netc = _meta_coco()
    want_d, want_c = expected_netd_netc_keys()
    assert {k: tuple(v.shape) for k, v in netd.state_dict().items()} == want_d
    assert {k: tuple(v.shape) for k, v in netc.state_dict().items()} == want_c


def test_coco_schedule_is_galip_six_blocks_ending_at_224():
    cfg = NetGConfig()
    assert cfg.channels() == [512, 512, 512, 512, 256, 128, 64]
    assert cfg.sizes() == [8, 16, 32, 64, 128, 224]
    assert cfg.native_size() == (224, 224)


def test_discriminator_path_shapes_follow_galip():
    arch, clip, _, netd, netc = _meta_coco()
    with torch.device("meta"):
        taps, global_emb = CLIPImageEncoder(clip, arch.netD.tap_layers)(torch.zeros(2, 3, 224, 224))
        features = netd(taps)
        logits = netc(features, torch.zeros(2, 512))
    assert tuple(taps.shape) == (2, 3, 768, 7, 7)
    assert tuple(global_emb.shape) == (2, 512)
    assert tuple(features.shape) == (2, 512, 7, 7)
    assert tuple(logits.shape) == (2, 1, 1, 1)


def test_image_encoder_normalises_on_the_clip_models_device():
    """Built around a CLIP already moved to a device (the trainer's screening and reader do this
    on the GPU), the encoder's mean and std live there too instead of on the CPU."""
    arch, clip, *_ = _meta_coco()  # a model on the meta device stands in for one on the GPU
    enc = CLIPImageEncoder(clip, arch.netD.tap_layers)
    assert enc.mean.device.type == enc.std.device.type == "meta"
    assert enc.embed(torch.zeros(2, 3, 224, 224, device="meta")).shape == (2, 512)


def test_generator_draws_non_square_grids_at_their_own_aspect():
    _, _, netg, _, _ = _meta_coco()
    with torch.device("meta"):
        wide = netg(torch.zeros(1, 100), torch.zeros(1, 512), (7, 10))
        square = netg(torch.zeros(1, 100), torch.zeros(1, 512))
    assert tuple(wide.shape) == (1, 3, 224, 320)
    assert tuple(square.shape) == (1, 3, 224, 224)


def test_vitb16_layout_uses_a_14x14_bridge_grid():
    arch = get_arch("galip-vitb16")
    with torch.device("meta"):
        clip = CLIP(embed_dim=512, vision_cfg=dict(arch.clip.vision_cfg), text_cfg=dict(arch.clip.text_cfg))
        netg = NetG(arch.netG, clip.visual)
        out = netg(torch.zeros(1, 100), torch.zeros(1, 512))
    sd = netg.state_dict()
    assert tuple(sd["fc_code.weight"].shape) == (14 * 14 * 64, 100)
    assert tuple(sd["mapping.CLIP_ViT.positional_embedding"].shape) == (197, 768)
    assert tuple(out.shape) == (1, 3, 224, 224)


@pytest.fixture(scope="module")
def real_coco_netg_state():
    """A random-weight COCO netG state dict (real tensors) and a meta NetG to load it into."""
    _, _, meta_netg, _, _ = _meta_coco()
    state = {k: torch.randn(v.shape, dtype=torch.float16) for k, v in meta_netg.state_dict().items()}
    return state, meta_netg


def test_official_state_dict_loads_strictly_with_and_without_module_prefix(real_coco_netg_state):
    state, netg = real_coco_netg_state
    netg.load_state_dict(state, strict=True, assign=True)
    ddp_state = {f"module.{k}": v for k, v in state.items()}
    stripped = strip_module_prefix(ddp_state)
    assert stripped.keys() == state.keys()
    netg.load_state_dict(stripped, strict=True, assign=True)
    with pytest.raises(RuntimeError):
        netg.load_state_dict(ddp_state, strict=True, assign=True)


def test_strict_load_rejects_a_missing_key(real_coco_netg_state):
    state, netg = real_coco_netg_state
    broken = dict(state)
    del broken["GBlocks.5.c_sc.weight"]
    with pytest.raises(RuntimeError, match="GBlocks.5.c_sc.weight"):
        netg.load_state_dict(broken, strict=True, assign=True)


def test_bilinear_upsampling_draws_no_tile_edges_where_nearest_does():
    """NetGConfig.upsample: the same weights, two ways to enlarge. Nearest copies each bridge
    cell into a block, so pixel steps pile up on the 8-pixel grid of a 64 px output; bilinear
    spreads them out. Packages without the field keep GALIP's nearest."""
    import dataclasses

    from generation.engine.archs import build_networks

    arch = get_arch("galip-tiny")
    torch.manual_seed(0)
    netg, _, _, clip = build_networks(arch)
    smooth_cfg = dataclasses.replace(arch.netG, upsample="bilinear")
    smooth = NetG(smooth_cfg, clip.visual)
    smooth.load_state_dict(netg.state_dict())
    noise, sent = torch.randn(4, arch.netG.nz), torch.randn(4, arch.netG.cond_dim)
    with torch.no_grad():
        tiled, soft = netg(noise, sent), smooth(noise, sent)
    assert not torch.allclose(tiled, soft)

    def edge_ratio(x: torch.Tensor) -> float:
        """Mean column-to-column step on the tile borders over that inside the tiles."""
        step = (x[..., 1:] - x[..., :-1]).abs().mean((0, 1, 2))
        cell = x.shape[-1] // arch.netG.grid
        on = torch.tensor([i % cell == cell - 1 for i in range(len(step))])
        return float(step[on].mean() / step[~on].mean())

    assert edge_ratio(tiled) > 1.5 * edge_ratio(soft)
    assert NetGConfig.from_dict({k: v for k, v in arch.netG.to_dict().items() if k != "upsample"}).upsample == "nearest"
    assert smooth_cfg.to_dict()["upsample"] == "bilinear"
    with pytest.raises(ValueError, match="upsample must be one of nearest, bilinear"):
        dataclasses.replace(arch.netG, upsample="bicubic")
