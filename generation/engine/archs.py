"""Named GALIP architectures: the networks' configs plus the CLIP they run on.

``galip-coco`` is the released COCO / CC12M layout (CLIP ViT-B/32 with QuickGELU). ``galip-vitb16``
swaps in ViT-B/16 (14x14 bridge grid, the paper's upgraded CLIP). ``galip-small`` and
``galip-tiny`` use small custom CLIPs for the demo models and the bundled placeholder.
"""

from __future__ import annotations

import torch

from .clip import build_clip
from .configs import BPE_VOCAB_SIZE, CLIPConfig, GALIPArch, NetCConfig, NetDConfig, NetGConfig
from .galip import NetC, NetD, NetG

__all__ = ["GALIPArch", "ARCHS", "get_arch", "arch_for_clip", "build_networks", "custom_clip_config"]


def custom_clip_config(
    *,
    embed_dim: int,
    image_size: int,
    patch_size: int,
    vision_width: int,
    vision_layers: int,
    vision_head_width: int,
    text_width: int,
    text_layers: int,
    text_heads: int,
    context_length: int = 77,
    vocab_size: int = BPE_VOCAB_SIZE,
    quick_gelu: bool = False,
) -> CLIPConfig:
    """A small open_clip ViT CLIP described by a dict (``open_clip.model.CLIP(**...)``)."""
    return CLIPConfig(
        arch="custom",
        embed_dim=embed_dim,
        vision_cfg={
            "image_size": image_size,
            "patch_size": patch_size,
            "width": vision_width,
            "layers": vision_layers,
            "head_width": vision_head_width,
        },
        text_cfg={
            "context_length": context_length,
            "vocab_size": vocab_size,
            "width": text_width,
            "heads": text_heads,
            "layers": text_layers,
        },
        quick_gelu=quick_gelu,
    )


def _galip_coco() -> GALIPArch:
    return GALIPArch("galip-coco", CLIPConfig.from_arch("ViT-B-32-quickgelu"), NetGConfig())


def _galip_vitb16(clip_arch: str = "ViT-B-16") -> GALIPArch:
    # 14x14 grid: five G blocks (ladder of imsize 128) at 14, 28, 56, 112, 224, i.e. the first block
    # stays on the grid instead of resizing 14 -> 8 as GALIP's 8, 16, ... schedule would.
    netg = NetGConfig(imsize=128, grid=14, block_sizes=(14, 28, 56, 112, 224))
    return GALIPArch("galip-vitb16", CLIPConfig.from_arch(clip_arch), netg, NetDConfig(), NetCConfig(grid=14))


def _galip_small() -> GALIPArch:
    # 128 px native, 8x8 grid of 16 px patches; full BPE vocabulary.
    clip = custom_clip_config(
        embed_dim=256,
        image_size=128,
        patch_size=16,
        vision_width=256,
        vision_layers=6,
        vision_head_width=64,
        text_width=256,
        text_layers=6,
        text_heads=4,
    )
    netg = NetGConfig(
        ngf=32, cond_dim=256, imsize=128, out_size=128, grid=8, clip_width=256, n_prompts=4, prompt_start=1
    )
    netd = NetDConfig(clip_width=256, out_ch=256, tap_layers=(1, 3, 5))
    netc = NetCConfig(in_ch=256, cond_dim=256, hidden=128, grid=8)
    return GALIPArch("galip-small", clip, netg, netd, netc)


def _galip_tiny() -> GALIPArch:
    # 64 px native, 8x8 grid of 8 px patches, folded 4096-token vocabulary: a few MB in fp16.
    clip = custom_clip_config(
        embed_dim=128,
        image_size=64,
        patch_size=8,
        vision_width=96,
        vision_layers=3,
        vision_head_width=32,
        text_width=96,
        text_layers=3,
        text_heads=3,
        vocab_size=4096,
    )
    netg = NetGConfig(
        ngf=16,
        cond_dim=128,
        imsize=64,
        out_size=64,
        grid=8,
        clip_width=96,
        code_ch=32,
        mid_ch=16,
        n_mblocks=2,
        n_prompts=2,
        prompt_start=1,
    )
    netd = NetDConfig(clip_width=96, out_ch=128, tap_layers=(0, 1, 2))
    netc = NetCConfig(in_ch=128, cond_dim=128, hidden=64, grid=8)
    return GALIPArch("galip-tiny", clip, netg, netd, netc)


ARCHS = {
    "galip-coco": _galip_coco,
    "galip-cc12m": _galip_coco,  # the released CC12M model has the COCO layout
    "galip-vitb16": _galip_vitb16,
    "galip-small": _galip_small,
    "galip-tiny": _galip_tiny,
}


def get_arch(name: str) -> GALIPArch:
    try:
        return ARCHS[name]()
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(sorted(ARCHS))}") from None


def arch_for_clip(clip_arch: str) -> GALIPArch:
    """The GALIP layout to import a checkpoint trained on ``clip_arch``.

    Plain ``ViT-B-32`` maps to the QuickGELU config: official GALIP used OpenAI's weights, and
    running them with nn.GELU gives wrong features (docs/engine.md, open_clip pitfalls).
    """
    if clip_arch in ("ViT-B-32-quickgelu", "ViT-B-32"):
        return get_arch("galip-coco")
    if clip_arch in ("ViT-B-16", "ViT-B-16-quickgelu"):
        return _galip_vitb16(clip_arch)
    raise ValueError(f"no GALIP layout for CLIP {clip_arch!r}; use ViT-B-32-quickgelu, ViT-B-16 or ViT-B-16-quickgelu")


def build_networks(
    arch: GALIPArch, device: torch.device | str | None = None, init: bool = True
) -> tuple[NetG, NetD, NetC, torch.nn.Module]:
    """(netG, netD, netC, clip_model) for ``arch``; netG shares clip_model.visual (frozen)."""
    clip_model = build_clip(arch.clip, device=device, init=init)
    netg = NetG(arch.netG, clip_model.visual)
    netd, netc = NetD(arch.netD), NetC(arch.netC)
    if device is not None:
        netg, netd, netc = netg.to(device), netd.to(device), netc.to(device)
    return netg, netd, netc, clip_model
