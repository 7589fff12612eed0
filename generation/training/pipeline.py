"""The steps of a build, each resumable: data → CLIP → screening → GAN → packages → evaluation.

`build_demo_models` chains them for the bundled models; each step skips work already on disk
(rendered data, a trained CLIP, a GAN checkpoint), so a stopped build continues where it was.
Real data goes through the same functions: point `data.sources` at JSONL files or folders.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import torch

from .clip_train import ClipBundle, train_clip
from .config import BuildConfig, config_to_dict
from .data import Pair, read_pairs, write_pairs
from .screen import screen_pairs, write_report
from .synthetic import CATEGORIES
from .vocabulary_export import add_vocabulary

Log = Callable[[str], None]


def _out(cfg: BuildConfig) -> Path:
    return Path(cfg.run.out_dir)


def prepare_synthetic(cfg: BuildConfig, log: Log = print) -> tuple[list[str], list[str]]:
    """Render the synthetic train and eval sets once; returns their JSONL paths."""
    from .synthetic.dataset import render_dataset

    s = cfg.synthetic
    paths = []
    for split, n in (("train", s.per_category), ("eval", s.eval_per_category)):
        folder = _out(cfg) / "data" / split
        done = folder / ".complete"
        if not done.exists():
            log(f"[data] rendering {n} {split} scenes per category at {s.size} px into {folder}")
            render_dataset(
                folder,
                categories=tuple(s.categories),
                per_category=n,
                size=s.size,
                split=split,
                seed=s.seed,
                progress=False,
                workers=s.workers,
            )
            done.write_text(json.dumps({"per_category": n, "size": s.size, "seed": s.seed}))
        paths.append(str(folder / "captions.jsonl"))
    return [paths[0]], [paths[1]]


def load_sources(sources: list[str]) -> list[Pair]:
    pairs: list[Pair] = []
    for src in sources:
        pairs.extend(read_pairs(src))
    return pairs


def get_clip(
    cfg: BuildConfig, pairs: list[Pair], eval_pairs: list[Pair], device: str = "cpu", log: Log = print
) -> ClipBundle:
    """The CLIP of a package named by `clip_package`, else one trained here (once)."""
    if cfg.clip_package:
        from generation.engine.package import load_package, resolve_model

        loaded = load_package(resolve_model(cfg.clip_package, cfg.models_dir), device=device)
        return ClipBundle(loaded.manifest.arch.clip, loaded.clip_model)
    folder = _out(cfg) / "clip"
    if (folder / "clip.safetensors").exists():
        log(f"[clip] using {folder / 'clip.safetensors'}")
        return ClipBundle.load(folder, device=device)
    log(f"[clip] training a small CLIP on {len(pairs)} pairs ({cfg.clip.steps} steps)")
    return train_clip(cfg.clip, pairs, folder, eval_pairs=eval_pairs, seed=cfg.run.seed, device=device, log=log)


def screen(cfg: BuildConfig, pairs: list[Pair], clip: ClipBundle, log: Log = print) -> list[Pair]:
    """Drop mismatched pairs (report in <out_dir>/screen_report.json)."""
    if not cfg.screen.enabled:
        return pairs
    report = _out(cfg) / "screen_report.json"
    kept_path = _out(cfg) / "screened.jsonl"
    if kept_path.exists() and report.exists():
        kept = read_pairs(kept_path)
        log(f"[screen] reusing {kept_path}: {len(kept)} of {len(pairs)} pairs kept")
        return kept
    result = screen_pairs(pairs, clip, cfg.screen, seed=cfg.run.seed)
    write_report(result, report)
    write_pairs(result.kept, kept_path)
    log(f"[screen] {json.dumps(result.summary())}; details in {report}")
    return result.kept


def train_gan(
    cfg: BuildConfig,
    pairs: list[Pair],
    clip: ClipBundle,
    *,
    max_steps: int | None = None,
    stop_file: str | None = None,
    log: Log = print,
):
    from .trainer import GALIPTrainer

    cfg.run.out_dir = str(_out(cfg) / "gan")
    trainer = GALIPTrainer(cfg, clip, pairs, log=log)
    trainer.load_checkpoint()
    (Path(cfg.run.out_dir) / "config.json").write_text(json.dumps(config_to_dict(cfg), indent=1, ensure_ascii=False))
    t0 = time.time()
    trainer.train(max_steps=max_steps, stop_file=stop_file)
    log(f"[galip] this run: {time.time() - t0:.0f}s, now at step {trainer.step}")
    cfg.run.out_dir = str(Path(cfg.run.out_dir).parent)
    return trainer


def get_sr(cfg: BuildConfig, log: Log = print):
    """The ×4 SR net of the build (trained once on renders, or that of `sr.package`), or None
    when disabled."""
    if not cfg.sr.enabled:
        return None
    if cfg.sr.package:
        from generation.engine.package import load_package, resolve_model

        loaded = load_package(resolve_model(cfg.sr.package, cfg.models_dir))
        if loaded.sr_net is None:
            raise ValueError(f"sr.package {cfg.sr.package!r} has no super-resolution net")
        log(f"[sr] using the super-resolution net of package {cfg.sr.package}")
        return loaded.sr_net
    from .sr_train import bicubic_gain, load_sr, train_sr

    path = _out(cfg) / "sr.pt"
    if path.exists():
        return load_sr(path)
    log(f"[sr] training the x{cfg.sr.scale} super-resolution net on renders ({cfg.sr.steps} steps)")
    categories = tuple(cfg.synthetic.categories)
    net = train_sr(cfg.sr, path, log=log, categories=categories)
    log(f"[sr] L1 to true high-resolution renders: {json.dumps(bicubic_gain(net, categories=categories))}")
    return net


def export_packages(cfg: BuildConfig, trainer, log: Log = print, snapshot: str | None = None) -> list[Path]:
    """One package per `packages` entry; `snapshot` exports an ema_<step>.pt instead of the last EMA."""
    ema = torch.load(snapshot, map_location="cpu") if snapshot else None
    sr = get_sr(cfg, log)
    tail = Path(snapshot).stem.split("_")[-1] if snapshot else ""
    step = int(tail) if tail.isdigit() else trainer.step
    extra: dict = {"exported_step": step}
    if sr is not None and cfg.sr.package:  # read before the loop may overwrite that very package
        from generation.engine.package import read_manifest, resolve_model

        record = read_manifest(resolve_model(cfg.sr.package, cfg.models_dir)).extra.get("training", {}).get("sr")
        if record:
            extra["sr"] = record  # how the SR net taken over was trained (restore-sr)
    trainer.use_stage_of(step)  # a snapshot's stage may have resized or read text otherwise
    out = []
    for spec in cfg.packages:
        if not cfg.data.sources and spec.category not in cfg.synthetic.categories:
            continue  # a synthetic build exports the categories it trained on
        folder = Path(cfg.models_dir) / spec.name
        trainer.export(spec, folder, ema=ema, sr_net=sr, extra=extra)
        if not cfg.data.sources and spec.category in CATEGORIES:
            add_vocabulary(folder, spec.category, log=log)  # what the site's model card and prompt help read
        size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        log(f"[export] {spec.name} → {folder} ({size / 1e6:.1f} MB)")
        out.append(folder)
    return out


def build_demo_models(
    cfg: BuildConfig,
    *,
    max_steps: int | None = None,
    stop_file: str | None = None,
    evaluate: bool = True,
    log: Log = print,
) -> None:
    torch.set_num_threads(cfg.run.num_threads)
    from generation.engine.sampler import resolve_device

    device = str(resolve_device(cfg.run.device))
    if cfg.data.sources:
        train_src, eval_src = cfg.data.sources, cfg.data.eval_sources
    else:
        train_src, eval_src = prepare_synthetic(cfg, log)
    pairs = load_sources(train_src)
    eval_pairs = load_sources(eval_src) if eval_src else []
    clip = get_clip(cfg, pairs, eval_pairs, device=device, log=log)
    pairs = screen(cfg, pairs, clip, log)
    trainer = train_gan(cfg, pairs, clip, max_steps=max_steps, stop_file=stop_file, log=log)
    exported = export_packages(cfg, trainer, log)
    if evaluate:
        from .attributes import classifier_path
        from .evaluate import evaluate_package, write_reports

        reports = []
        for spec in cfg.packages:  # the packages this build exported
            folder = Path(cfg.models_dir) / spec.name
            if folder in exported and classifier_path(spec.category).exists():
                reports.append(evaluate_package(folder))
                log(f"[eval] {spec.name}: {json.dumps(reports[-1].to_dict())}")
        write_reports(reports, _out(cfg) / "eval.json")
