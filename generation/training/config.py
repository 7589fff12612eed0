"""Training configuration: dataclasses read from TOML or JSON.

One file describes a whole build (see configs/demo.toml): the data, the CLIP to train or load,
the generator/discriminator shapes and the stages of the GAN schedule. Unknown keys are errors,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class DataConfig:
    sources: list[str] = field(default_factory=list)  # JSONL files or folders
    size: int = 64  # training resolution (= generator output)
    eval_sources: list[str] = field(default_factory=list)


@dataclass
class SyntheticConfig:
    """How build-demo-models renders its data (ignored when training on real data)."""

    per_category: int = 8000
    eval_per_category: int = 400
    size: int = 64
    seed: int = 0


@dataclass
class ClipTrainConfig:
    """A small CLIP trained contrastively on the pairs (used when no CLIP weights are given)."""

    embed_dim: int = 128
    vision: dict[str, Any] = field(
        default_factory=lambda: {
            "image_size": 64,
            "patch_size": 8,
            "width": 128,
            "layers": 4,
            "head_width": 32,
            "mlp_ratio": 3.0,
        }
    )
    text: dict[str, Any] = field(
        default_factory=lambda: {
            "context_length": 96,
            "vocab_size": 8194,
            "width": 128,
            "heads": 4,
            "layers": 3,
            "mlp_ratio": 3.0,
        }
    )
    steps: int = 800
    batch_size: int = 96
    lr: float = 1e-3
    weight_decay: float = 0.1
    warmup: int = 50
    eval_every: int = 100
    # Weight of the attribute terms: where a pair carries the synthetic scene it was drawn from,
    # linear heads shared by both towers must read every attribute from the image embedding and
    # from the caption embedding. Contrastive loss alone, against random in-batch captions,
    # learns only what tells whole scenes apart (time of day, category) and leaves small parts
    # (trees, eyes, accessories) unencoded, so neither GALIP's D nor its G could see them.
    attr_w: float = 0.0


@dataclass
class ScreenConfig:
    """Paper-style screening: drop pairs whose CLIP image-text cosine is below threshold."""

    enabled: bool = True
    threshold: float = 0.1
    # Also drop a pair whose own caption ranks below this fraction of the other captions
    # (a relative test catches mismatches even where absolute cosines are all high).
    min_rank_fraction: float = 0.5


@dataclass
class Stage:
    """One stage of the GAN schedule; fields override the defaults of TrainConfig for its steps."""

    name: str
    steps: int
    batch_size: int = 24
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    sim_w: float = 4.0  # CLIP image-text cosine weight in the G loss (GALIP: 4)
    ms_w: float = 1.0  # mode-seeking (diversity) weight
    gp_w: float = 2.0  # MA-GP k
    gp_p: float = 6.0  # MA-GP p
    diffaug: str = "translation"
    # The pixel discriminator (pixel_d.PixelD), off at 0: its hinge weight in D and G, and the
    # weight of its attribute reader's cross-entropy in G's loss (G's pictures against their
    # captions; the reader itself trains on real renders whenever this is not 0).
    pix_w: float = 0.0
    pix_attr_w: float = 0.0


@dataclass
class GANConfig:
    netg: dict[str, Any] = field(default_factory=dict)  # NetGConfig fields (nz, ngf, imsize, ...)
    netd: dict[str, Any] = field(default_factory=dict)
    netc: dict[str, Any] = field(default_factory=dict)
    pixd_width: int = 32  # base width of the pixel discriminator (built when a stage uses it)
    # Steps that train the pixel D's attribute reader on real renders alone before its first
    # stage, so G gets a signal from its first step instead of from a reader still at chance.
    pixd_warmup: int = 0
    tap_layers: list[int] = field(default_factory=lambda: [1, 2, 3])
    ema_decay: float = 0.999
    ema_start: int = 200  # EMA copies G before this step (a young G moves too fast to average)
    ms_target: float = 0.15  # mode seeking: wanted mean |Δpixel| (in [-1, 1] units) between two seeds
    stages: list[Stage] = field(default_factory=lambda: [Stage("main", 1000)])


@dataclass
class RunConfig:
    out_dir: str = "var/training/run"
    seed: int = 100  # GALIP's manual_seed
    device: str = "auto"
    amp: bool = True  # autocast on CUDA only
    num_threads: int = 1
    sample_every: int = 250
    checkpoint_every: int = 100
    snapshot_every: int = 1000  # keep the EMA generator of every N-th step (to export an earlier one)
    log_every: int = 20
    sample_prompts: list[str] = field(default_factory=list)


@dataclass
class SRTrainConfig:
    """The ×4 super-resolution net shipped in the packages, trained on pairs of renders."""

    enabled: bool = True
    scale: int = 4
    channels: int = 32
    blocks: int = 4
    native: int = 64
    n_scenes: int = 600
    steps: int = 1000
    batch_size: int = 16
    crop: int = 32  # low-resolution crop side
    lr: float = 1e-3
    seed: int = 0


@dataclass
class PackageSpec:
    name: str
    category: str
    title: str = ""
    description: str = ""


@dataclass
class BuildConfig:
    data: DataConfig = field(default_factory=DataConfig)
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    clip: ClipTrainConfig = field(default_factory=ClipTrainConfig)
    clip_package: str = ""  # a model package whose CLIP to reuse instead of training one
    screen: ScreenConfig = field(default_factory=ScreenConfig)
    gan: GANConfig = field(default_factory=GANConfig)
    sr: SRTrainConfig = field(default_factory=SRTrainConfig)
    run: RunConfig = field(default_factory=RunConfig)
    packages: list[PackageSpec] = field(default_factory=list)
    models_dir: str = "models"


def _build(cls: type[T], data: dict[str, Any], where: str) -> T:
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        default = known[name].default_factory() if callable(known[name].default_factory) else known[name].default  # type: ignore[misc]
        if is_dataclass(default) and isinstance(value, dict):
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
        elif name == "stages":
            kwargs[name] = [_build(Stage, s, f"{where}.stages[{i}]") for i, s in enumerate(value)]
        elif name == "packages":
            kwargs[name] = [_build(PackageSpec, s, f"{where}.packages[{i}]") for i, s in enumerate(value)]
        else:
            kwargs[name] = value
    return cls(**kwargs)


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read a TOML or JSON build config. `overrides` are dotted keys ("run.out_dir": "...")."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    for key, value in (overrides or {}).items():
        node = data
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return _build(BuildConfig, data, path.name)


def config_to_dict(cfg: Any) -> dict[str, Any]:
    return asdict(cfg)
