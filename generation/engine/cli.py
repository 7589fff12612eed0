"""``python -m generation.engine``: import official GALIP checkpoints, make random packages,
inspect packages and generate pictures from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from tqdm import tqdm

from .archs import ARCHS, arch_for_clip, build_networks, get_arch
from .clip import build_clip, load_clip_state_dict
from .errors import EngineError, WeightsCorrupt, WeightsMissing
from .galip import NetG
from .package import (
    list_models,
    read_manifest,
    resolve_model,
    strip_module_prefix,
    tensor_counts,
    verify_files,
    write_package,
)
from .pngmeta import encode_png
from .request import GenerationRequest
from .sampler import STAGES, Engine
from .styles import STYLES
from .upscale import SRConfig, SRNet

GALIP_LICENSE = (
    "GALIP weights: academic use only, commercial use needs the author's permission (tobran/GALIP README); "
    "CLIP weights: MIT (openai/CLIP)"
)


# --- import-galip -----------------------------------------------------------------------------


def load_galip_netg_state_dict(path: Path, allow_pickle: bool = False) -> dict[str, torch.Tensor]:
    """``checkpoint['model']['netG']`` of an official GALIP file (``module.`` stripped).

    Loads with ``weights_only=True``; ``allow_pickle`` falls back to full unpickling, which can
    run code from the file: only for checkpoints you trust.
    """
    if not path.is_file():
        raise WeightsMissing(path, "GALIP checkpoint")
    try:
        ckpt = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for unreadable files
        if not allow_pickle:
            raise WeightsCorrupt(
                path,
                f"cannot be read with weights_only=True ({type(exc).__name__}: {_first_line(exc, 200)}); "
                "if it is a checkpoint you trust, retry with --allow-pickle",
            ) from exc
        try:
            ckpt = torch.load(str(path), map_location="cpu", weights_only=False)
        except Exception as exc2:
            raise WeightsCorrupt(path, f"cannot be read ({type(exc2).__name__}: {_first_line(exc2, 200)})") from exc2
    if isinstance(ckpt, dict) and isinstance(ckpt.get("model"), dict) and "netG" in ckpt["model"]:
        sd = ckpt["model"]["netG"]
    elif isinstance(ckpt, dict) and "netG" in ckpt:
        sd = ckpt["netG"]
    else:
        raise WeightsCorrupt(path, "expected checkpoint['model']['netG'] (an official GALIP checkpoint)")
    if not isinstance(sd, dict):
        raise WeightsCorrupt(path, "checkpoint['model']['netG'] is not a state dict")
    return strip_module_prefix(sd)


def import_galip(
    ckpt: Path,
    clip_arch: str,
    clip_weights: Path,
    out: Path,
    *,
    name: str,
    category: str,
    description: str,
    license: str = GALIP_LICENSE,
    fp16: bool = True,
    allow_pickle: bool = False,
) -> Path:
    """Official netG + local CLIP weights -> a model package in ``out``."""
    arch = arch_for_clip(clip_arch)
    netg_sd = load_galip_netg_state_dict(ckpt, allow_pickle)
    clip_sd = load_clip_state_dict(clip_weights)
    clip_model = build_clip(arch.clip, init=False)
    try:
        clip_model.load_state_dict(clip_sd, strict=True)
    except RuntimeError as exc:
        raise WeightsCorrupt(clip_weights, f"does not match open_clip {arch.clip.arch}: {_first_line(exc)}") from exc
    netg = NetG(arch.netG, clip_model.visual)
    try:
        # Strict, as GALIP's own loader: every key of §5.2, no more, no less. This also writes the
        # checkpoint's copy of the CLIP visual tower into clip_model (shared modules).
        netg.load_state_dict(netg_sd, strict=True)
    except RuntimeError as exc:
        raise WeightsCorrupt(ckpt, f"netG does not fit the GALIP {arch.name} layout: {_first_line(exc)}") from exc
    write_package(
        out,
        name=name,
        category=category,
        description=description,
        trained=True,
        arch=arch,
        netG=netg,
        clip_model=clip_model,
        license=license,
        dtype=torch.float16 if fp16 else None,
        extra={"source": {"galip_checkpoint": ckpt.name, "clip_weights": clip_weights.name, "clip_arch": clip_arch}},
    )
    return out


def _first_line(exc: Exception, limit: int = 400) -> str:
    text = " ".join(str(exc).split())
    return text[:limit] + ("…" if len(text) > limit else "")


# --- commands ---------------------------------------------------------------------------------


def _cmd_import_galip(args: argparse.Namespace) -> int:
    out = Path(args.out)
    import_galip(
        Path(args.checkpoint),
        args.clip_arch,
        Path(args.clip_weights),
        out,
        name=args.name or out.name,
        category=args.category,
        description=args.description or f"GALIP imported from {Path(args.checkpoint).name}",
        fp16=not args.fp32,
        allow_pickle=args.allow_pickle,
    )
    print(f"wrote {out}")
    return _cmd_inspect(argparse.Namespace(package=str(out), json=False))


def _cmd_init_random(args: argparse.Namespace) -> int:
    arch = get_arch(args.arch)
    torch.manual_seed(args.seed)
    netg, _, _, clip_model = build_networks(arch)
    sr_net = SRNet(SRConfig(scale=args.sr_scale)) if args.sr_scale else None
    out = Path(args.out)
    write_package(
        out,
        name=args.name or out.name,
        category=args.category,
        description=args.description
        or f"Untrained {arch.name} (random weights, seed {args.seed}): a placeholder that draws noise.",
        trained=False,
        arch=arch,
        netG=netg,
        clip_model=clip_model,
        license="No trained weights; random initialisation.",
        sr_net=sr_net,
        dtype=None if args.fp32 else torch.float16,
        extra={"source": {"init": "random", "seed": args.seed, "arch": arch.name}},
    )
    print(f"wrote {out}")
    return _cmd_inspect(argparse.Namespace(package=str(out), json=False))


def _cmd_inspect(args: argparse.Namespace) -> int:
    manifest = read_manifest(resolve_model(args.package))
    report = verify_files(manifest)
    counts = tensor_counts(manifest) if all(v == "ok" for v in report.values()) else {}
    if args.json:
        print(json.dumps({"manifest": manifest.to_dict(), "files": report, "parameters": counts}, indent=2))
    else:
        print(f"model      {manifest.name}  ({manifest.category}, {'trained' if manifest.trained else 'untrained'})")
        print(f"folder     {manifest.path}")
        print(f"desc       {manifest.description}")
        print(f"arch       {manifest.arch.name}; CLIP {manifest.clip_arch} (context {manifest.context_length})")
        print(f"native     {manifest.native_size[0]}x{manifest.native_size[1]}")
        print(f"license    {manifest.license}")
        sr = manifest.super_resolution
        sr_text = f"x{sr.scale}, {sr.channels} ch, {sr.blocks} blocks" if sr else "none (bicubic)"
        print(f"super-res  {sr_text}")
        for role, entry in manifest.files.items():
            count = f"{counts[role]:>12,} values" if role in counts else ""
            print(f"file       {role:<17} {entry.path:<34} {entry.size / 1e6:8.2f} MB  {count}  sha256 {report[role]}")
        if counts:
            print(f"total      {sum(counts.values()):,} stored values")
    return 0 if all(v == "ok" for v in report.values()) else 1


def _parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 768x512, got {text!r}") from None
    return width, height


class _StageBar:
    """Advances a tqdm bar once per finished engine stage."""

    def __init__(self, bar: tqdm) -> None:
        self.bar = bar
        self.done: set[str] = set()

    def __call__(self, stage: str, fraction: float) -> None:
        if fraction >= 1.0 and stage not in self.done:
            self.done.add(stage)
            self.bar.set_postfix_str(stage)
            self.bar.update(1)


def _cmd_generate(args: argparse.Namespace) -> int:
    width, height = args.size
    request = GenerationRequest(
        prompt=args.prompt,
        width=width,
        height=height,
        n=args.n,
        seed=args.seed,
        style=args.style,
        style_strength=args.style_strength,
        negative_prompt=args.negative,
        truncation=args.truncation,
        candidates=args.candidates,
    )
    request.validate()
    started = time.perf_counter()
    engine = Engine.load(args.model, device=args.device, compile=args.compile, precision=args.precision)
    print(f"loaded {engine.manifest.name} on {engine.device} in {time.perf_counter() - started:.2f} s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for rep in range(args.repeat):
        bar = tqdm(total=len(STAGES), desc="generate", unit="stage", leave=False, disable=args.quiet)
        on_progress = _StageBar(bar)
        started = time.perf_counter()
        images = engine.generate(request, on_progress=on_progress)
        elapsed = time.perf_counter() - started
        bar.close()
        for index, result in enumerate(images):
            path = out / f"{result.seed}-{index}.png"
            path.write_bytes(encode_png(result.image, result.settings))
            if rep == args.repeat - 1:
                print(f"{path}  clip_score {result.clip_score:.4f}  seed {result.seed}")
        print(
            f"{elapsed / len(images):.3f} s per image ({len(images)} images x {request.candidates} candidates, "
            f"{width}x{height}, {images[0].settings['method']}"
            f"{', prompt truncated' if images[0].settings['truncated'] else ''})"
        )
    return 0


def _test_card(width: int, height: int, cell: int):
    """A native-size test card: one square per bridge-grid cell and a circle, so any stretching
    would show as rectangles and an ellipse."""
    from PIL import Image, ImageDraw

    card = Image.new("RGB", (width, height), (245, 240, 230))
    draw = ImageDraw.Draw(card)
    for y in range(0, height, cell):
        for x in range(0, width, cell):
            if (x // cell + y // cell) % 2 == 0:
                draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=(200, 215, 235))
    r = min(width, height) // 2 - 4
    cx, cy = width // 2, height // 2
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(200, 40, 40), width=3)
    return card


def _cmd_size_figure(args: argparse.Namespace) -> int:
    """docs/engine-sizes.png: for several requested sizes, the grid the generator runs on, its
    native output (a test card), and the exact-size result of the upscale + center crop."""
    import numpy as np
    from PIL import Image, ImageDraw

    from .archs import get_arch
    from .upscale import plan_grid, upscale_to

    arch = get_arch(args.arch)
    cfg = arch.netG
    cell = cfg.out_size // cfg.grid
    sizes = [(512, 512), (768, 512), (512, 768), (1024, 256), (320, 960)]
    scale = 1 / 6
    rows = []
    for width, height in sizes:
        gh, gw = plan_grid(width, height, cfg.grid, arch.max_aspect)
        nw, nh = cfg.native_size((gh, gw))
        card = _test_card(nw, nh, cell)
        x = torch.from_numpy(np.array(card)).permute(2, 0, 1)[None].float() / 127.5 - 1
        out, _ = upscale_to(x, width, height)
        final = Image.fromarray(((out[0] + 1) * 127.5).round().clamp(0, 255).byte().permute(1, 2, 0).numpy())
        small_native = card.resize((max(1, round(nw * scale * 1.5)), max(1, round(nh * scale * 1.5))), Image.LANCZOS)
        small_final = final.resize((round(width * scale), round(height * scale)), Image.LANCZOS)
        factor = max(width / nw, height / nh)
        crop_w, crop_h = max(width, round(nw * factor)) - width, max(height, round(nh * factor)) - height
        label = f"{width}x{height}: grid {gw}x{gh} -> native {nw}x{nh} -> x{factor:.2f} -> crop {crop_w}x{crop_h} px"
        rows.append((label, small_native, small_final))
    pad = 8
    col2 = pad + max(r[1].width for r in rows) + 3 * pad
    total_w = col2 + max(r[2].width for r in rows) + pad
    total_h = sum(14 + max(r[1].height, r[2].height) + 2 * pad for r in rows) + pad + 16
    sheet = Image.new("RGB", (max(total_w, 360), total_h), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text(
        (pad, pad),
        f"{arch.name}: native output (left, 1/4 scale) -> delivered image (right, 1/6 scale)",
        fill=(90, 90, 90),
    )
    y = pad + 16
    for label, native, final in rows:
        draw.text((pad, y), label, fill=(0, 0, 0))
        y += 14
        sheet.paste(native, (pad, y))
        sheet.paste(final, (col2, y))
        draw.text((col2 - 2 * pad, y + native.height // 2 - 6), "->", fill=(0, 0, 0))
        y += max(native.height, final.height) + 2 * pad
    out_path = Path(args.out)
    sheet.save(out_path, optimize=True)
    print(f"wrote {out_path} ({out_path.stat().st_size / 1024:.0f} KiB)")
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    for manifest in list_models(args.models_dir):
        w, h = manifest.native_size
        state = "trained" if manifest.trained else "untrained"
        print(f"{manifest.name:<24} {manifest.category:<12} {state:<9} {w}x{h}  {manifest.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generation.engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import-galip", help="package an official GALIP checkpoint with local CLIP weights")
    p.add_argument("checkpoint", help="GALIP .pth (reads checkpoint['model']['netG'])")
    p.add_argument("--clip-arch", default="ViT-B-32-quickgelu", help="open_clip name of the CLIP GALIP used")
    p.add_argument("--clip-weights", required=True, help="local CLIP weights (.safetensors, .bin/.pt, or OpenAI .pt)")
    p.add_argument("--out", required=True, help="package folder to write")
    p.add_argument("--name", help="model name (default: the folder name)")
    p.add_argument("--category", default="general")
    p.add_argument("--description", default="")
    p.add_argument("--fp32", action="store_true", help="store fp32 instead of fp16")
    p.add_argument("--allow-pickle", action="store_true", help="allow full unpickling (trusted files only)")
    p.set_defaults(func=_cmd_import_galip)

    p = sub.add_parser("init-random", help="write a package with random weights (trained: false)")
    p.add_argument("--arch", required=True, choices=sorted(ARCHS))
    p.add_argument("--out", required=True)
    p.add_argument("--name")
    p.add_argument("--category", default="general")
    p.add_argument("--description", default="")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sr-scale", type=int, choices=(2, 3, 4), help="add an (identity-initialised) SR net")
    p.add_argument("--fp32", action="store_true")
    p.set_defaults(func=_cmd_init_random)

    p = sub.add_parser("inspect", help="show a package, count parameters, verify hashes (exit 1 on mismatch)")
    p.add_argument("package", help="model name or folder")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_inspect)

    p = sub.add_parser("list", help="list the packages in the models directory")
    p.add_argument("--models-dir")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("size-figure", help="draw how requested sizes map to native grids (docs/engine-sizes.png)")
    p.add_argument("--arch", default="galip-coco", choices=sorted(ARCHS))
    p.add_argument("--out", default="docs/engine-sizes.png")
    p.set_defaults(func=_cmd_size_figure)

    p = sub.add_parser("generate", help="generate PNGs (settings in text chunks)")
    p.add_argument("--model", required=True, help="model name or package folder")
    p.add_argument("prompt")
    p.add_argument("--size", type=_parse_size, default=(512, 512), help="WIDTHxHEIGHT, e.g. 768x512")
    p.add_argument("-n", type=int, default=1)
    p.add_argument("--seed", type=int)
    p.add_argument("--style", choices=sorted(STYLES))
    p.add_argument("--style-strength", type=float, default=1.0)
    p.add_argument("--negative", default="", help="negative prompt")
    p.add_argument("--truncation", type=float, default=1.0)
    p.add_argument("--candidates", type=int, default=1, help="noise selection: K candidates per image")
    p.add_argument("--out", default="out")
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", default="auto", choices=("auto", "fp32", "fp16", "bf16"))
    p.add_argument("--compile", action="store_true", help="torch.compile the generator")
    p.add_argument("--repeat", type=int, default=1, help="run the request this many times (timing)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=_cmd_generate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
