"""python -m generation.training <command> …

render-dataset     draw synthetic captioned scenes into a JSONL data set
train-clip         train the small CLIP of a config on its data
screen             score pairs with CLIP and drop mismatched ones (report of what and why)
train              train GALIP from a config (resumes from its checkpoint)
export             write the trained EMA generator as the config's model packages
evaluate           attribute accuracy, CLIP R-precision, diversity and fidelity of model packages
showcase           256 px sample sheets of the demo models for the docs
probe-clip         linear probes: which scene attributes a CLIP's image and text embeddings carry
train-attributes   train the evaluation attribute classifiers on renders
train-fidelity     train the fidelity nets (FD features, object presence) on clean 128 px renders
train-layout       train the layout nets (seed spread: where each part of a picture sits) on renders
restore-sr         train a package's SR net on its own generator's pictures of renders (sr_generator.py)
build-demo-models  all of the above for the bundled demo models
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch


def _log(msg: str) -> None:
    print(msg, flush=True)


def _config(args: argparse.Namespace):
    from .config import load_config

    overrides = {}
    for item in getattr(args, "set", None) or []:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    try:
        cfg = load_config(args.config, overrides)
    except (OSError, ValueError) as e:  # a missing file, bad TOML/JSON, a wrong key or value
        raise SystemExit(f"config {args.config}: {e}") from None
    torch.set_num_threads(cfg.run.num_threads)
    return cfg


def cmd_render(args: argparse.Namespace) -> int:
    from .synthetic import CATEGORIES
    from .synthetic.dataset import render_dataset

    cats = tuple(args.categories or CATEGORIES)
    path = render_dataset(
        args.out, categories=cats, per_category=args.per_category, size=args.size, split=args.split, seed=args.seed
    )
    _log(f"wrote {path}")
    return 0


def _pairs_for(cfg, args):
    from .pipeline import load_sources, prepare_synthetic

    sources = args.data or cfg.data.sources
    if sources:
        return load_sources(sources), load_sources(cfg.data.eval_sources) if cfg.data.eval_sources else []
    train_src, eval_src = prepare_synthetic(cfg, _log)
    return load_sources(train_src), load_sources(eval_src)


def cmd_train_clip(args: argparse.Namespace) -> int:
    from .pipeline import get_clip

    cfg = _config(args)
    pairs, eval_pairs = _pairs_for(cfg, args)
    get_clip(cfg, pairs, eval_pairs, log=_log)
    return 0


def _clip_from(args: argparse.Namespace):
    """The CLIP named by --clip (a train-clip folder) or --clip-package (a model package)."""
    from .clip_train import ClipBundle

    if args.clip_package:
        from generation.engine.package import load_package, resolve_model

        loaded = load_package(resolve_model(args.clip_package))
        return ClipBundle(loaded.manifest.arch.clip, loaded.clip_model)
    return ClipBundle.load(args.clip)


def cmd_screen(args: argparse.Namespace) -> int:
    from .config import ScreenConfig
    from .data import read_pairs, write_pairs
    from .screen import screen_pairs, write_report

    clip = _clip_from(args)
    pairs = read_pairs(args.data)
    result = screen_pairs(pairs, clip, ScreenConfig(threshold=args.threshold, min_rank_fraction=args.min_rank))
    write_report(result, args.report)
    if args.out:
        write_pairs(result.kept, args.out)
    _log(json.dumps(result.summary()))
    for d in result.dropped[:20]:
        _log(f"dropped {d['image']}: {d['detail']} — {d['caption']!r}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .pipeline import get_clip, screen, train_gan

    cfg = _config(args)
    pairs, eval_pairs = _pairs_for(cfg, args)
    clip = get_clip(cfg, pairs, eval_pairs, log=_log)
    pairs = screen(cfg, pairs, clip, _log)
    train_gan(cfg, pairs, clip, max_steps=args.max_steps, stop_file=args.stop_file, log=_log)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .pipeline import export_packages, get_clip, screen
    from .trainer import GALIPTrainer

    cfg = _config(args)
    pairs, eval_pairs = _pairs_for(cfg, args)
    clip = get_clip(cfg, pairs, eval_pairs, log=_log)
    pairs = screen(cfg, pairs, clip, _log)
    build_dir = cfg.run.out_dir
    cfg.run.out_dir = str(Path(build_dir) / "gan")
    trainer = GALIPTrainer(cfg, clip, pairs[:64], log=_log)
    if not trainer.load_checkpoint():
        _log(f"no checkpoint in {cfg.run.out_dir}: train first")
        return 1
    cfg.run.out_dir = build_dir  # the build's SR net lives beside gan/, not in it
    export_packages(cfg, trainer, _log, snapshot=args.snapshot)
    return 0


def cmd_vocabulary(args: argparse.Namespace) -> int:
    from generation.engine.manifest import read_manifest, resolve_model

    from .vocabulary_export import add_vocabulary

    for name in args.models:
        folder = resolve_model(name)
        category = read_manifest(folder).category
        add_vocabulary(folder, category, pictures=not args.no_pictures, log=_log)
        if args.quality:
            _record_quality(name, json.loads(args.quality))
    return 0


def _record_quality(name: str, quality: dict) -> None:
    from generation.engine.manifest import resolve_model

    path = resolve_model(name) / "model.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["quality"] = quality
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _log(f"[evaluate] recorded the quality in {path}")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from generation.engine import GenerationRequest, InvalidRequest

    from .evaluate import evaluate_package, write_reports
    from .fidelity import evaluate_fidelity, fidelity_table

    try:  # the sampling settings, checked by the engine's rules before minutes of work
        GenerationRequest("check", truncation=args.truncation, candidates=args.candidates).validate()
    except InvalidRequest as exc:
        raise SystemExit(f"evaluate: {exc}") from None
    torch.set_num_threads(args.threads)
    reports, fidelity = [], []
    grid_dir = Path(args.grid_dir) if args.grid_dir else None
    if grid_dir:
        grid_dir.mkdir(parents=True, exist_ok=True)  # before minutes of work, not after
    for name in args.models:
        if not args.fidelity_only:
            grid = grid_dir / f"{Path(name).name}-eval.png" if grid_dir else None
            reports.append(evaluate_package(name, seeds=args.seeds, grid_path=grid))
            _log(json.dumps(reports[-1].to_dict(), ensure_ascii=False))
        side = grid_dir / f"{Path(name).name}-vs-renders.png" if grid_dir else None
        fidelity.append(
            evaluate_fidelity(
                name, seeds=args.seeds, grid_path=side, truncation=args.truncation, candidates=args.candidates
            )
        )
        _log(json.dumps(fidelity[-1].to_dict(), ensure_ascii=False))
        if args.record:
            _record_quality(name, fidelity[-1].quality(args.seeds))
    _log(fidelity_table(fidelity))
    if args.out:
        write_reports(reports, args.out)
        Path(args.out).with_suffix(".fidelity.json").write_text(
            json.dumps([r.to_dict() for r in fidelity], indent=1, ensure_ascii=False)
        )
    return 0


def cmd_showcase(args: argparse.Namespace) -> int:
    from .evaluate import showcase_grid, shrink_png

    torch.set_num_threads(args.threads)
    for name in args.models:
        package = Path(args.models_dir) / name if args.models_dir else name
        path = Path(args.out_dir) / f"{Path(name).name}-showcase.png"
        showcase_grid(package, path)
        shrink_png(path)
        _log(f"wrote {path}")
    return 0


def cmd_probe_clip(args: argparse.Namespace) -> int:
    from .probe import attribute_probe, held_out_text_probe
    from .synthetic import CATEGORIES

    torch.set_num_threads(args.threads)
    clip = _clip_from(args)
    results = {}
    for cat in args.categories or CATEGORIES:
        results[cat] = attribute_probe(clip, cat, n_train=args.n_train, n_test=args.n_test)
        for head, acc in results[cat].items():
            _log(f"{cat:9s} {head:16s} " + "  ".join(f"{k} {v:.0%}" for k, v in acc.items()))
        if args.held_out:
            results[f"{cat}/held-out"] = held = held_out_text_probe(clip, cat, n_train=args.n_train)
            for name, acc in held.items():
                _log(f"{cat:9s} held out: {name:44s} " + "  ".join(f"{k} {v:.0%}" for k, v in acc.items()))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))
    return 0


def cmd_train_fidelity(args: argparse.Namespace) -> int:
    from .fidelity import fidelity_path, train_fidelity_net
    from .synthetic import CATEGORIES

    torch.set_num_threads(args.threads)
    for cat in args.categories or CATEGORIES:
        reader, acc = train_fidelity_net(cat, n_train=args.n_train, steps=args.steps)
        reader.save(fidelity_path(cat))
        _log(f"{cat}: accuracy on other renders {json.dumps({k: round(v, 3) for k, v in acc.items()})}")
    return 0


def cmd_train_layout(args: argparse.Namespace) -> int:
    from .layout import layout_path, save_layout, train_layout_net
    from .synthetic import CATEGORIES

    torch.set_num_threads(args.threads)
    for cat in args.categories or CATEGORIES:
        save_layout(train_layout_net(cat, n_train=args.n_train, steps=args.steps, log=_log), layout_path(cat), cat)
    return 0


def cmd_train_attributes(args: argparse.Namespace) -> int:
    from .attributes import classifier_path, train_attribute_classifier
    from .synthetic import CATEGORIES

    torch.set_num_threads(args.threads)
    for cat in args.categories or CATEGORIES:
        clf, acc = train_attribute_classifier(cat, n_train=args.n_train, steps=args.steps)
        clf.save(classifier_path(cat))
        _log(f"{cat}: {json.dumps(acc)}")
    return 0


def cmd_restore_sr(args: argparse.Namespace) -> int:
    from generation.engine.errors import EngineError

    from .sr_generator import restore_sr

    cfg = _config(args)
    try:
        note = restore_sr(
            args.model, cfg.sr, out_dir=cfg.run.out_dir, models_dir=cfg.models_dir, write_to=args.write_to, log=_log
        )
    except (EngineError, ValueError) as e:  # a missing package or encoder checkpoint, a wrong size
        raise SystemExit(f"restore-sr {args.model}: {e}") from None
    _log(json.dumps(note))
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .pipeline import build_demo_models

    cfg = _config(args)
    build_demo_models(cfg, max_steps=args.max_steps, stop_file=args.stop_file, evaluate=not args.no_eval, log=_log)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m generation.training", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = p.add_subparsers(dest="command", required=True)

    def with_config(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--config", default="generation/training/configs/demo.toml")
        sp.add_argument(
            "--set",
            action="append",
            metavar="KEY=VALUE",
            help="override a config value, e.g. --set run.out_dir=var/x (JSON values)",
        )
        sp.add_argument("--data", action="append", help="JSONL file or folder of pairs (repeatable)")

    sp = sub.add_parser("render-dataset", help="render synthetic scenes with captions")
    sp.add_argument("--out", required=True)
    sp.add_argument("--categories", nargs="*")
    sp.add_argument("--per-category", type=int, default=1000)
    sp.add_argument("--size", type=int, default=64)
    sp.add_argument("--split", choices=("train", "eval", "any"), default="train")
    sp.add_argument("--seed", type=int, default=0)
    sp.set_defaults(fn=cmd_render)

    sp = sub.add_parser("train-clip", help="train the config's small CLIP")
    with_config(sp)
    sp.set_defaults(fn=cmd_train_clip)

    sp = sub.add_parser("screen", help="drop pairs CLIP finds mismatched")
    sp.add_argument("--data", required=True)
    src = sp.add_mutually_exclusive_group(required=True)
    src.add_argument("--clip", help="folder with clip.safetensors + clip.json (from train-clip)")
    src.add_argument("--clip-package", help="model package (name or folder) whose CLIP to use")
    sp.add_argument("--threshold", type=float, default=0.1)
    sp.add_argument("--min-rank", type=float, default=0.5)
    sp.add_argument("--report", required=True)
    sp.add_argument("--out", help="JSONL of the kept pairs")
    sp.set_defaults(fn=cmd_screen)

    sp = sub.add_parser("train", help="train GALIP (resumes)")
    with_config(sp)
    sp.add_argument("--max-steps", type=int)
    sp.add_argument("--stop-file", help="checkpoint and stop when this file appears")
    sp.set_defaults(fn=cmd_train)

    sp = sub.add_parser("export", help="write model packages from the last checkpoint")
    with_config(sp)
    sp.add_argument("--snapshot", help="an ema_<step>.pt of the run to export instead of the last EMA")
    sp.set_defaults(fn=cmd_export)

    sp = sub.add_parser("vocabulary", help="write a synthetic category's vocabulary and samples into packages")
    sp.add_argument("models", nargs="+", help="package names or folders")
    sp.add_argument("--no-pictures", action="store_true", help="the vocabulary only, no sample pictures")
    sp.add_argument("--quality", help="JSON object of measured quality to record in model.json")
    sp.set_defaults(fn=cmd_vocabulary)

    sp = sub.add_parser("evaluate", help="measure model packages")
    sp.add_argument("models", nargs="+", help="package names or folders")
    sp.add_argument("--seeds", type=int, default=4)
    sp.add_argument("--out", help="JSON report path")
    sp.add_argument("--grid-dir", help="write a sample grid and a sheet beside renders per model here")
    sp.add_argument("--fidelity-only", action="store_true", help="only the fidelity measures (fidelity.py)")
    sp.add_argument("--record", action="store_true", help="write the fidelity summary into each package's model.json")
    sp.add_argument("--threads", type=int, default=1)
    sp.add_argument("--truncation", type=float, default=1.0, help="sampling: the engine's noise truncation")
    sp.add_argument("--candidates", type=int, default=1, help="sampling: the engine's CLIP-picked candidates")
    sp.set_defaults(fn=cmd_evaluate)

    sp = sub.add_parser("showcase", help="sample sheets of the demo models at 256 px (docs/demo-*-showcase.png)")
    sp.add_argument("models", nargs="*", default=["demo-landscape", "demo-food", "demo-anime"])
    sp.add_argument("--models-dir", help="folder holding the packages (default: the site's models/)")
    sp.add_argument("--out-dir", default="docs")
    sp.add_argument("--threads", type=int, default=1)
    sp.set_defaults(fn=cmd_showcase)

    sp = sub.add_parser("probe-clip", help="linear probes: which attributes a CLIP's embeddings carry")
    src = sp.add_mutually_exclusive_group(required=True)
    src.add_argument("--clip", help="folder with clip.safetensors + clip.json (from train-clip)")
    src.add_argument("--clip-package", help="model package (name or folder) whose CLIP to probe")
    sp.add_argument("--categories", nargs="*")
    sp.add_argument("--n-train", type=int, default=1500)
    sp.add_argument("--n-test", type=int, default=500)
    sp.add_argument(
        "--held-out", action="store_true", help="also read each part of the held-out combinations in their captions"
    )
    sp.add_argument("--threads", type=int, default=1)
    sp.add_argument("--out", help="JSON report path")
    sp.set_defaults(fn=cmd_probe_clip)

    # The instruments' nets, one per category, trained on renders only.
    for name, help_, fn, n_train, steps in (
        ("train-attributes", "train the evaluation attribute classifiers", cmd_train_attributes, 5000, 900),
        ("train-fidelity", "train the fidelity nets (strict, 128 px) on clean renders", cmd_train_fidelity, 3000, 800),
        (
            "train-layout",
            "train the layout nets (part maps for the seed spread) on renders",
            cmd_train_layout,
            3000,
            1500,
        ),
    ):
        sp = sub.add_parser(name, help=help_)
        sp.add_argument("--categories", nargs="*")
        sp.add_argument("--n-train", type=int, default=n_train)
        sp.add_argument("--steps", type=int, default=steps)
        sp.add_argument("--threads", type=int, default=1)
        sp.set_defaults(fn=fn)

    sp = sub.add_parser("restore-sr", help="train a package's SR net on its own generator's pictures of renders")
    sp.add_argument("model", help="package name or folder (its SR net is replaced)")
    with_config(sp)
    sp.add_argument("--write-to", help="write a copy of the package with the new SR net here instead")
    sp.set_defaults(fn=cmd_restore_sr)

    sp = sub.add_parser("build-demo-models", help="data, CLIP, screening, GALIP, packages, evaluation")
    with_config(sp)
    sp.add_argument("--max-steps", type=int)
    sp.add_argument("--stop-file")
    sp.add_argument("--no-eval", action="store_true")
    sp.set_defaults(fn=cmd_build)

    args = p.parse_args(argv)
    return int(args.fn(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
