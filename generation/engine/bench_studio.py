"""Benchmark of the creative studio against a plain generation, in the same process, on the CPU.

    python -m generation.engine.bench_studio                 # the three demo models
    python -m generation.engine.bench_studio --models demo-food --repeats 3

For each model, each timing is the median of ``--repeats`` runs, with the text cache cleared
before every run (a variation then pays for its text like a fresh request does):

- plain: one 512×512 picture (``Engine.generate``);
- variation: one 512×512 variation of that picture (its recorded noise, strength "subtle");
  target ≤ 1.2× plain;
- inversion: an uploaded 512×512 picture (a render of the model, so an exact answer exists, and a
  synthetic "photo" the model never drew) inverted at the model's native size; target ≤ 5 s; the
  reconstruction error is the mean absolute difference against the upload at native size, in
  0..255 units, beside the error of the starting point (no optimisation);
- interpolation: 16 frames at 256×256 (``frames=16``); target ≤ 2 s, beside one plain 256×256.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from PIL import Image, ImageDraw

from .creative import invert
from .request import GenerationRequest
from .sampler import Engine

PROMPTS = {
    "demo-landscape": "a snowy mountain at sunset by a lake",
    "demo-food": "a bowl of noodles with an egg",
    "demo-anime": "a girl with blue hair and a red ribbon",
}
TARGETS = {"variation": 1.2, "inversion_s": 5.0, "interpolation_s": 2.0}


def timed(run: Callable[[], object], engine: Engine, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        engine.text_cache.clear()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def photo_like(size: int = 512) -> Image.Image:
    """A picture no model drew: a sky gradient, a dark hill and a sun, slightly noisy."""
    ramp = Image.linear_gradient("L").resize((size, size))
    sky = Image.merge(
        "RGB", [ramp.point(lambda v: 90 + v // 3), ramp.point(lambda v: 140 + v // 4), ramp.point(lambda v: 230)]
    )
    draw = ImageDraw.Draw(sky)
    draw.ellipse((size * 0.6, size * 0.15, size * 0.78, size * 0.33), fill=(250, 220, 120))
    draw.polygon(
        [(0, size * 0.7), (size * 0.45, size * 0.45), (size, size * 0.75), (size, size), (0, size)], fill=(40, 90, 50)
    )
    noise = Image.effect_noise((size, size), 12).convert("RGB")
    return Image.blend(sky, noise, 0.06)


def bench_model(name: str, repeats: int) -> dict[str, float]:
    engine = Engine.load(name, device="cpu")
    prompt = PROMPTS.get(name, "a red sun over a calm sea")
    plain_req = GenerationRequest(prompt, width=512, height=512, seed=1)
    source = engine.generate(plain_req)[0]
    var_req = GenerationRequest(
        prompt, width=512, height=512, seed=2, source_noise=source.settings["noise"], variation_strength=0.25
    )
    engine.generate(var_req)  # warm both paths once
    plain = timed(lambda: engine.generate(plain_req), engine, repeats)
    variation = timed(lambda: engine.generate(var_req), engine, repeats)
    small = timed(lambda: engine.generate(GenerationRequest(prompt, width=256, height=256, seed=3)), engine, repeats)
    interp_req = GenerationRequest(
        prompt,
        width=256,
        height=256,
        seed=3,
        frames=16,
        interpolate_seed=4,
        interpolate_prompt=PROMPTS["demo-landscape"],
    )
    interpolation = timed(lambda: engine.generate(interp_req), engine, repeats)
    rendered = engine.generate(GenerationRequest(prompt, width=512, height=512, seed=9))[0].image
    out: dict[str, float] = {
        "plain_s": plain,
        "variation_s": variation,
        "variation": variation / plain,
        "plain256_s": small,
        "interpolation_s": interpolation,
    }
    for label, upload in (("render", rendered), ("photo", photo_like())):
        runs = []
        with engine._cpu_threads():
            start = invert(engine, upload, prompt, steps=0, restarts=1)
            for _ in range(repeats):
                runs.append(invert(engine, upload, prompt))
        out[f"inversion_{label}_s"] = statistics.median(r.seconds for r in runs)
        out[f"inversion_{label}_error"] = statistics.median(r.error for r in runs)
        out[f"inversion_{label}_start_error"] = start.error
    out["inversion_s"] = max(out["inversion_render_s"], out["inversion_photo_s"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=list(PROMPTS))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(f"torch {torch.__version__}, CPU, {torch.get_num_threads()} threads available; medians of {args.repeats}")
    failed = False
    for name in args.models:
        r = bench_model(name, args.repeats)
        print(f"\n{name}")
        print(f"  plain 512x512            {r['plain_s']:.3f} s")
        print(f"  variation 512x512        {r['variation_s']:.3f} s  -> {r['variation']:.2f}x plain (target <= 1.2x)")
        for label in ("render", "photo"):
            print(
                f"  inversion of a 512x512 {label:<6} {r[f'inversion_{label}_s']:.2f} s (target <= 5 s), error "
                f"{r[f'inversion_{label}_error']:.1f}/255 (start {r[f'inversion_{label}_start_error']:.1f})"
            )
        print(f"  plain 256x256            {r['plain256_s']:.3f} s")
        print(f"  16 frames 256x256        {r['interpolation_s']:.3f} s (target <= 2 s)")
        for key, limit in TARGETS.items():
            if r[key] > limit:
                failed = True
                print(f"  MISSED: {key} {r[key]:.2f} > {limit}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
