"""Configuration dataclasses of the engine: pure Python, no torch import.

Reading a model.json (``manifest.py``) only needs these, so a web process can list models and
validate requests without loading torch.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

__all__ = [
    "NetGConfig",
    "NetDConfig",
    "NetCConfig",
    "CLIPConfig",
    "SRConfig",
    "GALIPArch",
    "BPE_VOCAB_SIZE",
    "scaled_size",
]

# Size of the CLIP BPE vocabulary bundled with open_clip (49152 merges' worth + 2 specials).
BPE_VOCAB_SIZE = 49408
UPSAMPLE_MODES = ("nearest", "bilinear")  # NetGConfig.upsample

_T = TypeVar("_T", bound="DataclassInstance")


def _from_dict(cls: type[_T], data: dict[str, Any]) -> _T:
    """Build a config dataclass from a dict, refusing unknown keys so typos in model.json fail loudly."""
    known = {f.name for f in fields(cls)}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
    values = dict(data)
    for f in fields(cls):
        if f.name in values and isinstance(values[f.name], list):
            values[f.name] = tuple(values[f.name])
    return cls(**values)


@dataclass(frozen=True)
class NetGConfig:
    """Generator shape. Defaults are the released COCO / CC12M model: NetG(64, 100, 512, 256, 3)."""

    ngf: int = 64
    nz: int = 100
    cond_dim: int = 512  # sentence embedding size = CLIP embed_dim
    imsize: int = 256  # GALIP's ``imsize`` argument: fixes the block count and channel ladder only
    out_size: int = 224  # size of the last G block (GALIP forces 224 whatever imsize says)
    grid: int = 7  # bridge grid = CLIP image_size // patch_size
    clip_width: int = 768  # width of the CLIP visual transformer the mapper runs
    code_ch: int = 64  # channels of the noise code map (fc_code output)
    mid_ch: int = 32  # middle channels of the M blocks
    n_mblocks: int = 4
    n_prompts: int = 8  # learned prompt tokens, one per ViT block from prompt_start on
    prompt_start: int = 1
    map_weight: float = 0.1  # F + map_weight * CLIP(F)
    ch_size: int = 3
    block_sizes: tuple[int, ...] | None = None  # None: GALIP's 8, 16, 32, ... with the last = out_size
    # The channel ladder, n_blocks + 1 entries (input of the first block, then each block's
    # output); None: GALIP's ngf * min(2^i, 8). A ladder of its own lets a G grow a block at the
    # end (a 64 px G plus a 128 px block) while its first blocks keep their shapes and weights.
    block_channels: tuple[int, ...] | None = None
    # How each G block enlarges its input: GALIP's "nearest" (the released models), or "bilinear",
    # which keeps a small G from drawing the bridge's patch grid as a mosaic of 8x8-pixel tiles.
    upsample: str = "nearest"
    # Cross-attention from G's features to the prompt's token embeddings (the CLIP text tower's
    # per-token outputs, projected like the sentence embedding), after the M blocks and after
    # each of the first two G blocks. GALIP conditions on the sentence vector alone; the words
    # are there so that a G can compose parts it never saw together ("shrimp" + "on rice");
    # docs/demo-models.md measures how far they did for the demo models.
    word_attn: bool = False

    def __post_init__(self) -> None:
        levels = math.log2(self.imsize)
        if levels != int(levels) or self.imsize < 16:
            raise ValueError(f"imsize must be a power of two >= 16, got {self.imsize}")
        if self.block_sizes is not None and len(self.block_sizes) != self.n_blocks:
            raise ValueError(f"block_sizes needs {self.n_blocks} entries for imsize {self.imsize}")
        if self.block_channels is not None and (
            len(self.block_channels) != self.n_blocks + 1 or min(self.block_channels) < 1
        ):
            raise ValueError(f"block_channels needs {self.n_blocks + 1} positive entries for imsize {self.imsize}")
        if self.upsample not in UPSAMPLE_MODES:
            raise ValueError(f"upsample must be one of {', '.join(UPSAMPLE_MODES)}, got {self.upsample!r}")
        if self.out_size % self.grid:
            raise ValueError(f"out_size {self.out_size} must be a multiple of grid {self.grid}")

    @property
    def cond_total(self) -> int:
        """Width of the vector every affine layer sees: noise then sentence embedding."""
        return self.nz + self.cond_dim

    @property
    def n_blocks(self) -> int:
        return int(math.log2(self.imsize)) - 2

    def channels(self) -> list[int]:
        """GALIP's get_G_in_out_chs: nf * min(2^i, 8) for i = 0 .. log2(imsize)-2, reversed."""
        if self.block_channels is not None:
            return list(self.block_channels)
        levels = int(math.log2(self.imsize)) - 1
        return [self.ngf * min(2**i, 8) for i in range(levels)][::-1]

    def sizes(self) -> list[int]:
        """Output size of each G block on the square grid."""
        if self.block_sizes is not None:
            return list(self.block_sizes)
        sizes = [2 ** (j + 3) for j in range(self.n_blocks)]
        sizes[-1] = self.out_size
        return sizes

    def native_size(self, grid_hw: tuple[int, int] | None = None) -> tuple[int, int]:
        """(width, height) of the output for a bridge grid (gh, gw)."""
        gh, gw = grid_hw or (self.grid, self.grid)
        return scaled_size(self.out_size, gw, self.grid), scaled_size(self.out_size, gh, self.grid)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("block_sizes", "block_channels"):
            if data[key] is not None:
                data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetGConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class NetDConfig:
    """NetD shape. Defaults: GALIP's taps after ViT blocks 1, 4, 8 of CLIP ViT-B (width 768)."""

    clip_width: int = 768
    out_ch: int = 512
    tap_layers: tuple[int, ...] = (1, 4, 8)

    def __post_init__(self) -> None:
        if len(self.tap_layers) < 1:
            raise ValueError("NetD needs at least one CLIP tap")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["tap_layers"] = list(self.tap_layers)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetDConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class NetCConfig:
    """NetC shape. Defaults: GALIP (512 NetD channels + 512 sentence dims on a 7x7 grid)."""

    in_ch: int = 512
    cond_dim: int = 512
    hidden: int = 128
    grid: int = 7

    def __post_init__(self) -> None:
        if self.grid < 4:
            raise ValueError("NetC needs a grid of at least 4 (its first conv is 4x4)")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetCConfig:
        return _from_dict(cls, data)


def scaled_size(size: int, cells: int, grid: int) -> int:
    return max(1, int(round(size * cells / grid)))


@dataclass(frozen=True)
class CLIPConfig:
    """An open_clip CLIP model, stored in full in model.json so a package never depends on
    open_clip's bundled config files staying the same.

    ``arch`` is the open_clip name the config came from, or ``"custom"``.
    """

    arch: str
    embed_dim: int
    vision_cfg: dict[str, Any] = field(default_factory=dict)
    text_cfg: dict[str, Any] = field(default_factory=dict)
    quick_gelu: bool = False

    @classmethod
    def from_arch(cls, name: str) -> CLIPConfig:
        import open_clip  # only here, so reading manifests needs no torch

        cfg = open_clip.get_model_config(name)
        if cfg is None:
            raise ValueError(f"open_clip has no model config named {name!r}")
        cfg = copy.deepcopy(cfg)
        vision = cfg["vision_cfg"]
        if "timm_model_name" in vision or isinstance(vision.get("layers"), (list, tuple)):
            raise ValueError(f"{name} is not a plain ViT; GALIP needs a ViT visual tower")
        return cls(
            arch=name,
            embed_dim=cfg["embed_dim"],
            vision_cfg=vision,
            text_cfg=cfg["text_cfg"],
            quick_gelu=bool(cfg.get("quick_gelu", False)),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CLIPConfig:
        known = {"arch", "embed_dim", "vision_cfg", "text_cfg", "quick_gelu"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown CLIPConfig fields: {sorted(unknown)}")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch,
            "embed_dim": self.embed_dim,
            "vision_cfg": dict(self.vision_cfg),
            "text_cfg": dict(self.text_cfg),
            "quick_gelu": self.quick_gelu,
        }

    @property
    def image_size(self) -> int:
        return int(self.vision_cfg.get("image_size", 224))

    @property
    def patch_size(self) -> int:
        return int(self.vision_cfg.get("patch_size", 16))

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def vision_width(self) -> int:
        return int(self.vision_cfg.get("width", 768))

    @property
    def vision_layers(self) -> int:
        return int(self.vision_cfg.get("layers", 12))

    @property
    def context_length(self) -> int:
        return int(self.text_cfg.get("context_length", 77))

    @property
    def vocab_size(self) -> int:
        return int(self.text_cfg.get("vocab_size", BPE_VOCAB_SIZE))


@dataclass(frozen=True)
class SRConfig:
    """A small residual super-resolution net (ESPCN-style pixel shuffle on a bicubic skip)."""

    scale: int = 4
    channels: int = 32
    blocks: int = 4

    def __post_init__(self) -> None:
        if self.scale not in (2, 3, 4):
            raise ValueError("SR scale must be 2, 3 or 4")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SRConfig:
        return cls(**data)


@dataclass(frozen=True)
class GALIPArch:
    name: str
    clip: CLIPConfig
    netG: NetGConfig
    netD: NetDConfig = field(default_factory=NetDConfig)
    netC: NetCConfig = field(default_factory=NetCConfig)
    max_aspect: float = 4.0  # longest bridge grid side / shortest, for non-square requests

    def __post_init__(self) -> None:
        if self.netG.grid != self.clip.grid:
            raise ValueError(f"{self.name}: NetG grid {self.netG.grid} != CLIP patch grid {self.clip.grid}")
        if self.netG.clip_width != self.clip.vision_width or self.netD.clip_width != self.clip.vision_width:
            raise ValueError(f"{self.name}: NetG/NetD clip_width must equal the CLIP vision width")
        if self.netG.cond_dim != self.clip.embed_dim or self.netC.cond_dim != self.clip.embed_dim:
            raise ValueError(f"{self.name}: cond_dim must equal the CLIP embed_dim {self.clip.embed_dim}")
        if self.netC.in_ch != self.netD.out_ch or self.netC.grid != self.clip.grid:
            raise ValueError(f"{self.name}: NetC must take NetD's channels on the CLIP grid")

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": "galip",
            "name": self.name,
            "netG": self.netG.to_dict(),
            "netD": self.netD.to_dict(),
            "netC": self.netC.to_dict(),
            "max_aspect": self.max_aspect,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], clip: CLIPConfig) -> GALIPArch:
        if data.get("family", "galip") != "galip":
            raise ValueError(f"unsupported architecture family {data.get('family')!r}")
        return cls(
            name=data.get("name", "custom"),
            clip=clip,
            netG=NetGConfig.from_dict(data["netG"]),
            netD=NetDConfig.from_dict(data.get("netD", {})),
            netC=NetCConfig.from_dict(data.get("netC", {})),
            max_aspect=float(data.get("max_aspect", 4.0)),
        )
