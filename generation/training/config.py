"""Training configuration: dataclasses read from TOML or JSON.

One file describes a whole build (see configs/demo.toml): the data, the CLIP to train or load,
the generator/discriminator shapes and the stages of the GAN schedule. Unknown keys are errors,
so a typo never silently falls back to a default, and so are values of the wrong type or out
of range (a negative step count, a learning rate of 0, a decay of 1.5), named by their key.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from generation.engine.configs import UPSAMPLE_MODES

from .synthetic import CATEGORIES

T = TypeVar("T")


@dataclass
class DataConfig:
    sources: list[str] = field(default_factory=list)  # JSONL files or folders
    size: int = 64  # training resolution (= generator output)
    eval_sources: list[str] = field(default_factory=list)
    # How much more often a scene with an attribute's value is drawn into a batch than the others,
    # e.g. {"snow": {"purple": 4}}: a scene of purple snow is drawn 4 times as often. Read from
    # each pair's scene attributes (synthetic data; a list attribute such as food's ingredients
    # has each of its entries); a weight for a value no scene has is an error.
    oversample: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass
class SyntheticConfig:
    """How build-demo-models renders its data (ignored when training on real data)."""

    per_category: int = 8000
    eval_per_category: int = 400
    size: int = 64
    seed: int = 0
    categories: list[str] = field(default_factory=lambda: list(CATEGORIES))  # the renderers to draw
    workers: int = 1  # rendering processes (0: one per CPU core)


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
class TextTuneConfig:
    """A re-tune of the CLIP text tower alone (clip_train.retune_text), made once when the first
    GAN stage that asks for it (`retune_text = true`) begins; that stage and the later ones
    condition on the tuned tower, and packages exported from them carry it."""

    steps: int = 400
    batch_size: int = 128
    lr: float = 2e-4
    attr_w: float = 1.0  # the text tower's own attribute read-outs (cross-entropy)
    keep_w: float = 1.0  # pull towards the old unnormalised embeddings (relative squared distance)
    log_every: int = 50


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
    # How G's blocks enlarge from this stage on ("nearest" or "bilinear"; "" keeps gan.netg's).
    # Snapshots and exports record the mode of the stage they come from.
    upsample: str = ""
    # From this stage on, G and both Ds read the sentence embeddings of the re-tuned CLIP text
    # tower (gan.text_retune); once on, it stays on for the stages after.
    retune_text: bool = False
    # The pixel D and its attribute reader start again from a random init when this stage
    # begins (both warm-ups run again): G then has to draw what a reader it has never worked
    # against reads, instead of what the old one has come to accept.
    reset_pixel_d: bool = False
    # The reconstruction path (encoder.PosteriorEncoder), off at 0: G also redraws real renders
    # from the noise the encoder reads off them, paying rec_w * L1 to the render; the encoder
    # pays kl_w * KL to N(0, 1) so that seeds reach the same layouts.
    rec_w: float = 0.0
    kl_w: float = 0.0
    # A feature term beside the reconstruction's L1: L1 between the frozen CLIP image encoder's
    # taps (the features GALIP's D reads) of G's redrawing and of the render. L1 on pixels alone
    # pays as much for a smeared edge as for a missing object; the taps say what is where.
    rec_feat_w: float = 0.0
    # Latent regression (BicycleGAN's cLR branch), off at 0: the encoder, frozen for this term,
    # reads the noise back off G's pictures drawn from plain N(0, 1) noise, and G pays lat_w * L1
    # between what it reads and the noise. The encoder learnt to read what tells renders of one
    # caption apart (where things sit), so G pays when two seeds draw the same arrangement.
    # Needs the reconstruction path (rec_w) in the same stage: it trains the encoder.
    lat_w: float = 0.0
    # GALIP's adversarial loss on G's redrawings too (BicycleGAN's cVAE-GAN branch; G's side
    # only): without it the noise the encoder reads is taught by L1 alone and redraws blurred.
    rec_adv_w: float = 0.0
    # Mode seeking on where things sit, off at 0: a part-map net of G's own (trained on renders
    # at the run's start, apart from the evaluation's layout net) reads where each part of two
    # seeds' pictures of one caption sits, and G pays ms_layout_w * how far each part moved
    # short of what renders of that caption's scene with other layout seeds move that part
    # (food's ingredients far, its vessel hardly; a forest less than a few trees). The pixel
    # mode-seeking term (ms_w) is met by a tint; this one is not. One category per run.
    ms_layout_w: float = 0.0


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
    text_retune: TextTuneConfig = field(default_factory=TextTuneConfig)
    stages: list[Stage] = field(default_factory=lambda: [Stage("main", 1000)])
    # Fine-tuning: G (and its EMA copy) start from the generator of this model package instead
    # of a random init; its architecture must be the one gan.netg describes. The Ds are not in
    # a package, so they start fresh: d_warmup steps train them alone against the package's G
    # before G's first step, so G is not pushed around by a D still at chance.
    init_package: str = ""
    d_warmup: int = 0
    # Steps that train the reconstruction path's encoder alone against the frozen G before G's
    # first step (a stage with rec_w): a new encoder reads noise off the renders, and G redrawing
    # every render from it would be pulled towards the mean picture, a blur.
    e_warmup: int = 0
    # The part-map net a stage with ms_layout_w trains at the run's start (layout.train_layout_net
    # with its own seed and renders, not the evaluation's net): how many renders, how many steps.
    layout_renders: int = 3000
    layout_steps: int = 1500


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
    package: str = ""  # a model package whose SR net to ship instead of training one
    # The largest Gaussian blur (sigma, in low-resolution pixels) put on the low-resolution side
    # besides the light box blur and noise: G's pictures are softer than renders, and a net that
    # has seen soft inputs restores crisp outlines from them (0: the box blur only).
    blur: float = 0.0
    # The restoring net trained on G's own pictures instead (sr_generator.py, `restore-sr`): the
    # low-resolution side is G's picture of a render, drawn from the noise a posterior encoder
    # reads off that render; the target is the render at `scale` times the size.
    encoder: str = ""  # a reconstruction run's checkpoint.pt (with its encoder); "" fits one to G here
    encoder_steps: int = 600  # steps that fit the encoder to the frozen G when there is no checkpoint
    encoder_kl_w: float = 0.001  # its KL to N(0, 1), beside the L1 of G's redrawing to the render
    draws: int = 1  # G's pictures per scene drawn from posterior samples, besides the one from the mean
    refine_steps: int = 0  # steps of inversion that refine the encoder's mean per scene (0: the mean as read)
    grad_w: float = 0.0  # weight of the L1 between image gradients (edges), beside the pixel L1
    # Pixels where G's picture and the render differ by more than this (mean over 8 x 8 blocks at
    # the large size) are left out of the loss: objects G did not draw there (0: none left out).
    mismatch: float = 0.0
    render_mix: float = 0.0  # share of each batch taken from the scenes' renders, softened as with `blur`
    adv_w: float = 0.0  # weight of a patch discriminator's hinge loss on the large pictures (0: off)
    warm_start: bool = True  # start from the package's own SR net when it has the config's shape


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


# Allowed ranges, (low, high) inclusive, None for open; fields not listed take any value of their type.
_POSITIVE, _COUNT, _WEIGHT, _UNIT = (1e-12, None), (0, None), (0.0, None), (0.0, 1.0)
_LIMITS: dict[type, dict[str, tuple[float | None, float | None]]] = {
    DataConfig: {"size": (8, None)},
    SyntheticConfig: {"per_category": (1, None), "eval_per_category": _COUNT, "size": (8, None), "workers": _COUNT},
    ClipTrainConfig: {
        "embed_dim": (1, None),
        "steps": _COUNT,
        "batch_size": (2, None),  # contrastive: a batch needs other captions to tell apart
        "lr": _POSITIVE,
        "weight_decay": _WEIGHT,
        "warmup": _COUNT,
        "eval_every": (1, None),
        "attr_w": _WEIGHT,
    },
    ScreenConfig: {"threshold": (-1.0, 1.0), "min_rank_fraction": _UNIT},
    Stage: {
        "steps": _COUNT,
        "batch_size": (2, None),  # mismatched pairs are the batch rolled by one
        "lr_g": _POSITIVE,
        "lr_d": _POSITIVE,
        "sim_w": _WEIGHT,
        "ms_w": _WEIGHT,
        "gp_w": _WEIGHT,
        "gp_p": _POSITIVE,
        "pix_w": _WEIGHT,
        "pix_attr_w": _WEIGHT,
        "rec_w": _WEIGHT,
        "kl_w": _WEIGHT,
        "rec_feat_w": _WEIGHT,
        "lat_w": _WEIGHT,
        "rec_adv_w": _WEIGHT,
        "ms_layout_w": _WEIGHT,
    },
    TextTuneConfig: {
        "steps": _COUNT,
        "batch_size": (2, None),  # contrastive, as in the CLIP's own training
        "lr": _POSITIVE,
        "attr_w": _WEIGHT,
        "keep_w": _WEIGHT,
        "log_every": (1, None),
    },
    GANConfig: {
        "pixd_width": (1, None),
        "pixd_warmup": _COUNT,
        "ema_decay": (0.0, 0.999999),
        "ema_start": _COUNT,
        "ms_target": _WEIGHT,
        "d_warmup": _COUNT,
        "e_warmup": _COUNT,
        "layout_renders": (2, None),
        "layout_steps": (1, None),
    },
    RunConfig: {
        "num_threads": (1, None),
        "sample_every": (1, None),
        "checkpoint_every": (1, None),
        "snapshot_every": (1, None),
        "log_every": (1, None),
    },
    SRTrainConfig: {
        "scale": (2, None),
        "channels": (1, None),
        "blocks": (1, None),
        "native": (8, None),
        "n_scenes": (1, None),
        "steps": _COUNT,
        "batch_size": (1, None),
        "crop": (4, None),
        "lr": _POSITIVE,
        "blur": (0.0, 4.0),
        "encoder_steps": _COUNT,
        "encoder_kl_w": _WEIGHT,
        "draws": _COUNT,
        "refine_steps": _COUNT,
        "grad_w": _WEIGHT,
        "mismatch": _WEIGHT,
        "render_mix": _UNIT,
        "adv_w": _WEIGHT,
    },
}


# Fields that take one of a few words.
_CHOICES: dict[type, dict[str, tuple[str, ...]]] = {Stage: {"upsample": ("", *UPSAMPLE_MODES)}}


def _typed(value: Any, hint: Any, key: str) -> Any:
    """`value` as the field's type (an int is a float where a float is asked), or a ValueError."""
    origin = get_origin(hint) or hint
    if hint is Any:
        return value
    if origin is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    ok = isinstance(value, origin) and not (origin in (int, float) and isinstance(value, bool))
    if ok and origin is float and not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number (got {value!r})")
    if ok and origin is list and get_args(hint) and get_args(hint)[0] in (int, str):
        ok = all(isinstance(v, get_args(hint)[0]) and not isinstance(v, bool) for v in value)
    if not ok:
        name = str(hint) if get_args(hint) else hint.__name__
        raise ValueError(f"{key} must be of type {name} (got {type(value).__name__} {value!r})")
    return value


def _check_values(obj: Any, where: str) -> None:
    for name, allowed in _CHOICES.get(type(obj), {}).items():
        if getattr(obj, name) not in allowed:
            raise ValueError(f"{where}.{name} must be one of {list(allowed)} (got {getattr(obj, name)!r})")
    if isinstance(obj, SyntheticConfig) and (not obj.categories or set(obj.categories) - set(CATEGORIES)):
        raise ValueError(f"{where}.categories must be a non-empty list of {list(CATEGORIES)} (got {obj.categories!r})")
    if isinstance(obj, DataConfig):
        for attr, weights in obj.oversample.items():
            values = list(weights.values()) if isinstance(weights, dict) else [None]
            if not all(type(w) in (int, float) and 0 < w < math.inf for w in values):
                raise ValueError(
                    f"{where}.oversample.{attr} must map values to weights above 0, "
                    f'e.g. {{"snow": {{"purple": 4}}}} (got {weights!r})'
                )
    if isinstance(obj, GANConfig) and not obj.stages:
        raise ValueError(f"{where}.stages: the schedule needs at least one stage")
    for name, (low, high) in _LIMITS.get(type(obj), {}).items():
        value = getattr(obj, name)
        if (low is not None and value < low) or (high is not None and value > high):
            wanted = f"at least {low:g}" if high is None else f"between {low:g} and {high:g}"
            if (low, high) == _POSITIVE:
                wanted = "above 0"
            raise ValueError(f"{where}.{name} must be {wanted} (got {value!r})")
    for name in ("lat_w", "rec_adv_w"):  # terms on the encoder's noise: the reconstruction path trains it
        if isinstance(obj, Stage) and getattr(obj, name) and not obj.rec_w:
            raise ValueError(f"{where}.{name} needs the reconstruction path in the same stage (rec_w above 0)")


def _build(cls: type[T], data: dict[str, Any], where: str) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a table of keys (got {type(data).__name__} {data!r})")
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    hints = get_type_hints(cls)
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    missing = [n for n, f in known.items() if f.default is MISSING and f.default_factory is MISSING and n not in data]
    if missing:
        raise ValueError(f"{where}: missing keys {missing}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        default = known[name].default_factory() if callable(known[name].default_factory) else known[name].default  # type: ignore[operator]
        if is_dataclass(default):
            kwargs[name] = _build(type(default), value, f"{where}.{name}")
        elif name in ("stages", "packages"):
            item = Stage if name == "stages" else PackageSpec
            items = _typed(value, list, f"{where}.{name}")
            kwargs[name] = [_build(item, s, f"{where}.{name}[{i}]") for i, s in enumerate(items)]
        else:
            kwargs[name] = _typed(value, hints[name], f"{where}.{name}")
    obj = cls(**kwargs)
    _check_values(obj, where)
    return obj


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> BuildConfig:
    """Read a TOML or JSON build config. `overrides` are dotted keys ("run.out_dir": "..."); a
    number picks an entry of a list ("gan.stages.0.steps": 1800)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    for key, value in (overrides or {}).items():
        node: Any = data
        *parents, leaf = key.split(".")
        for p in parents:
            node = node[_list_index(node, p, key)] if isinstance(node, list) else node.setdefault(p, {})
        if isinstance(node, list):
            node[_list_index(node, leaf, key)] = value
        else:
            node[leaf] = value
    cfg = _build(BuildConfig, data, path.name)
    layout_stages = [s.name for s in cfg.gan.stages if s.ms_layout_w]
    if layout_stages and len(cfg.synthetic.categories) != 1:
        raise ValueError(
            f"{path.name}: gan.stages ({', '.join(layout_stages)}).ms_layout_w reads one category's parts: "
            f"synthetic.categories must name one (got {cfg.synthetic.categories!r})"
        )
    return cfg


def _list_index(items: list[Any], part: str, key: str) -> int:
    if not part.isdigit() or int(part) >= len(items):
        raise ValueError(f"{key}: {part!r} is not an entry of a list of {len(items)}")
    return int(part)


def config_to_dict(cfg: Any) -> dict[str, Any]:
    return asdict(cfg)
