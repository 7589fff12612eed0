"""Benchmark: the GALIP engine against a Stable Diffusion 1.5-architecture pipeline, one process,
one device, random weights for both (same kernels and shapes as trained weights; nothing is
downloaded).

    python -m generation.engine.bench            # default run (about 10 minutes on a busy 2-core CPU)
    python -m generation.engine.bench --quick    # smoke run, small sizes (about a minute)
    python -m generation.engine.bench --full     # run SD's 25 guided steps instead of estimating

GALIP is timed end to end through ``Engine.generate``: prompt -> text encoding (cache cleared
each time) -> generator -> CLIP score -> upscale to the requested size -> PIL images.

SD-1.5 is diffusers' UNet2DConditionModel and AutoencoderKL built from SD-1.5's published
configs, with a CLIP ViT-L/14 text tower built by open_clip (same compute as the pipeline's
CLIPTextModel). Unless ``--full`` is given, the 25-step guided time is *estimated* as
text encode (batch 2) + 25 x measured guided step (UNet on batch 2 + guidance + scheduler) +
measured VAE decode, because 25 steps take ~5 minutes on this CPU; the output says so. The
1-step pipeline (SD-Turbo-like: no guidance, one Euler step) is always run end to end.

Needs ``pip install -r requirements-bench.txt`` (diffusers).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from .archs import build_networks, get_arch
from .request import GenerationRequest
from .sampler import Engine, resolve_device

PROMPT = "a watercolor painting of a lighthouse on a cliff at sunset, seagulls, dramatic sky"
TARGETS = [  # (label, size, numerator row, minimum ratio)
    ("SD-1.5 25 steps / GALIP @512, batch 1", 512, "sd25", 100.0),
    ("SD 1-step / GALIP @512, batch 1", 512, "sd1", 10.0),
    ("SD 1-step / GALIP @1024, batch 1", 1024, "sd1", 10.0),
]


# --- measuring -----------------------------------------------------------------------------


class PeakMemory:
    """Peak resident memory (CPU: sampled RSS) or peak allocated memory (CUDA) over a block."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

    def _rss(self) -> int:
        try:
            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * self._page
        except OSError:
            return 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            self._stop.wait(0.005)

    def __enter__(self) -> PeakMemory:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        else:
            self.peak = self._rss()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            self.peak = torch.cuda.max_memory_allocated()
        else:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, self._rss())

    @property
    def label(self) -> str:
        return "cuda max allocated" if self.device.type == "cuda" else "peak RSS"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed(fn: Callable[[], Any], device: torch.device, reps: int, warmup: int) -> tuple[float, list[float], int]:
    """Median seconds of ``reps`` runs after ``warmup`` runs, all runs' times, and peak memory."""
    for _ in range(warmup):
        fn()
    times = []
    with PeakMemory(device) as mem:
        for _ in range(reps):
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            times.append(time.perf_counter() - start)
    return statistics.median(times), times, mem.peak


@dataclass
class Row:
    key: str  # e.g. galip@512/b1, sd25@512, sd1@1024
    what: str
    size: int
    batch: int
    seconds: float  # per image
    peak_bytes: int
    measured: str  # "measured" or "estimated: ..."
    extra: dict[str, Any] = field(default_factory=dict)


# --- GALIP -------------------------------------------------------------------------------------


def bench_galip(
    device: torch.device, sizes: list[int], batches: list[int], reps: int, threads: int | None
) -> list[Row]:
    arch = get_arch("galip-coco")
    torch.manual_seed(0)
    netg, _, _, clip_model = build_networks(arch)
    engine = Engine.from_networks(arch, netg, clip_model, name="galip-coco-random", device=device, threads=threads)
    rows = []
    for size in sizes:
        for batch in batches:
            req = GenerationRequest(PROMPT, width=size, height=size, n=batch, seed=1)

            def run(req: GenerationRequest = req) -> None:
                engine.text_cache.clear()  # text encoding is part of every timed request
                engine.generate(req)

            n_reps = reps if batch == 1 else max(1, reps // 2)
            median, times, peak = timed(run, device, n_reps, warmup=1)
            rows.append(
                Row(f"galip@{size}/b{batch}", f"GALIP (ViT-B/32) {size}x{size} end to end", size, batch,
                    median / batch, peak, "measured", {"runs_s": [round(t, 4) for t in times]})
            )  # fmt: skip
            print(f"  galip {size}x{size} batch {batch}: {median / batch:.3f} s/image ({_fmt_bytes(peak)})", flush=True)
    if device.type == "cuda":
        rows += _galip_gpu_throughput(engine, arch, netg, clip_model, device, sizes)
    return rows


def _galip_gpu_throughput(engine, arch, netg, clip_model, device, sizes) -> list[Row]:
    """CUDA only: latency at batch 1 and images/s at batch 32, fp16 and bf16."""
    from .package import LoadedModel
    from .upscale import upscale_to

    def latency(eng: Engine, size: int) -> None:
        eng.generate(GenerationRequest(PROMPT, width=size, height=size, seed=1))

    def batch32(eng: Engine, size: int) -> None:
        # 32 images in one forward (generate caps n at 8): the same steps as generate().
        cond = eng.conditioning(GenerationRequest(PROMPT))
        native = eng.render_native(
            torch.randn(32, arch.netG.nz), cond.embedding, eng.grid_for(size, size), words=cond.words
        )
        eng.clip_scores(native, cond.embedding)
        with torch.inference_mode(), eng._autocast():
            upscale_to(native, size, size)

    rows = []
    for precision in ("fp16", "bf16"):
        eng = Engine(LoadedModel(engine.manifest, netg, clip_model, None), device, precision=precision)
        for size in sizes:
            lat, _, peak = timed(functools.partial(latency, eng, size), device, 10, 3)
            rows.append(
                Row(f"galip-{precision}@{size}/b1", f"GALIP {precision} latency", size, 1, lat, peak, "measured")
            )
            per_batch, _, peak = timed(functools.partial(batch32, eng, size), device, 5, 2)
            rows.append(
                Row(f"galip-{precision}@{size}/b32", f"GALIP {precision} batch 32", size, 32, per_batch / 32, peak,
                    "measured", {"images_per_s": round(32 / per_batch, 1)})
            )  # fmt: skip
            print(
                f"  galip {precision} {size}: {lat * 1000:.1f} ms at batch 1, {32 / per_batch:.1f} images/s at batch 32"
            )
    return rows


# --- Stable Diffusion 1.5 architecture -----------------------------------------------------------


def _sd_text_tower():
    """CLIP ViT-L/14 text transformer (SD 1.5's text encoder shape) from open_clip's config."""
    import open_clip
    from open_clip.model import _build_text_tower

    cfg = open_clip.get_model_config("ViT-L-14")
    return _build_text_tower(cfg["embed_dim"], cfg["text_cfg"], quick_gelu=True)


def _sd_models(device: torch.device, dtype: torch.dtype):
    from diffusers import AutoencoderKL, UNet2DConditionModel

    # SD-1.5 v1-inference / diffusers configs (runwayml/stable-diffusion-v1-5 unet/vae config.json).
    unet = UNet2DConditionModel(
        sample_size=64,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(320, 640, 1280, 1280),
        layers_per_block=2,
        cross_attention_dim=768,
        attention_head_dim=8,
        norm_num_groups=32,
        act_fn="silu",
    )
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(128, 256, 512, 512),
        layers_per_block=2,
        latent_channels=4,
        norm_num_groups=32,
        sample_size=512,
        scaling_factor=0.18215,
    )
    text = _sd_text_tower()
    models = [m.to(device).eval() for m in (unet, vae, text)]
    if dtype != torch.float32:  # fp16 on CUDA, as the pipelines ship
        models = [m.to(dtype) for m in models]
    return models


class SDPipeline:
    """The SD-1.5 sampling loop written out: encode text, denoise, decode with the VAE."""

    SCHEDULER = dict(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)

    def __init__(self, device: torch.device) -> None:
        from open_clip.tokenizer import SimpleTokenizer

        self.device = device
        self.dtype = torch.float16 if device.type == "cuda" else torch.float32
        self.unet, self.vae, self.text = _sd_models(device, self.dtype)
        self.tokenizer = SimpleTokenizer()  # same BPE vocabulary as SD's CLIPTokenizer
        self.parts: dict[str, float] = {}

    def encode(self, prompts: list[str]) -> torch.Tensor:
        tokens = self.tokenizer(prompts).to(self.device)
        t = self.text
        x = t.token_embedding(tokens).to(self.dtype) + t.positional_embedding.to(self.dtype)
        x = t.transformer(x, attn_mask=t.attn_mask)
        return t.ln_final(x)  # SD conditions on the last hidden states [B, 77, 768]

    def scheduler(self, steps: int):
        from diffusers import DDIMScheduler, EulerDiscreteScheduler

        if steps == 1:  # SD-Turbo-style single step
            sched = EulerDiscreteScheduler(timestep_spacing="trailing", **self.SCHEDULER)
        else:
            sched = DDIMScheduler(clip_sample=False, set_alpha_to_one=False, steps_offset=1, **self.SCHEDULER)
        sched.set_timesteps(steps, device=self.device)
        return sched

    def guided_step(
        self, latents: torch.Tensor, context: torch.Tensor, sched, t, guidance: float = 7.5
    ) -> torch.Tensor:
        model_in = sched.scale_model_input(torch.cat([latents, latents]), t)
        noise = self.unet(model_in, t, encoder_hidden_states=context).sample
        uncond, cond = noise.chunk(2)
        return sched.step(uncond + guidance * (cond - uncond), t, latents).prev_sample

    def plain_step(self, latents: torch.Tensor, context: torch.Tensor, sched, t) -> torch.Tensor:
        noise = self.unet(sched.scale_model_input(latents, t), t, encoder_hidden_states=context).sample
        return sched.step(noise, t, latents).prev_sample

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        images = self.vae.decode(latents / 0.18215).sample
        return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).cpu()

    def latents(self, size: int, sched) -> torch.Tensor:
        gen = torch.Generator().manual_seed(0)
        z = torch.randn(1, 4, size // 8, size // 8, generator=gen).to(self.device, self.dtype)
        return z * sched.init_noise_sigma

    @torch.inference_mode()
    def run(self, size: int, steps: int, guidance: bool) -> torch.Tensor:
        """The whole pipeline, timing its parts into ``self.parts``."""
        parts: dict[str, float] = {}
        start = time.perf_counter()
        context = self.encode(["", PROMPT] if guidance else [PROMPT])
        _sync(self.device)
        parts["text"] = time.perf_counter() - start
        sched = self.scheduler(steps)
        latents = self.latents(size, sched)
        step_start = time.perf_counter()
        for t in sched.timesteps:
            if guidance:
                latents = self.guided_step(latents, context, sched, t)
            else:
                latents = self.plain_step(latents, context, sched, t)
        _sync(self.device)
        parts["denoise"] = time.perf_counter() - step_start
        decode_start = time.perf_counter()
        images = self.decode(latents)
        parts["vae_decode"] = time.perf_counter() - decode_start
        self.parts = parts
        return images

    @torch.inference_mode()
    def one_guided_step(self, size: int) -> None:
        sched = self.scheduler(25)
        context = self.encode(["", PROMPT])
        latents = self.latents(size, sched)
        _sync(self.device)
        start = time.perf_counter()
        self.guided_step(latents, context, sched, sched.timesteps[0])
        _sync(self.device)
        self.parts = {"guided_step": time.perf_counter() - start}


def bench_sd(device: torch.device, sizes: list[int], full: bool, step_reps: int, sd25_sizes: list[int]) -> list[Row]:
    pipe = SDPipeline(device)
    rows = []
    for size in sizes:
        if device.type == "cuda":
            # An untimed run first, as GALIP gets (timed's warmup): on a GPU the first call at a
            # size pays for cuDNN's algorithm search and lazy kernel loading (an H200 timed a cold
            # 1-step 512 px run at 3.4 s, a warm 1024 px one at 0.44 s). On the CPU that one-off
            # cost is a small part of a 30 s run, and a warm-up would add minutes.
            pipe.run(size, steps=1, guidance=False)
            _sync(device)
        # 1 step, no guidance: always measured end to end.
        with PeakMemory(device) as mem:
            start = time.perf_counter()
            pipe.run(size, steps=1, guidance=False)
            _sync(device)
            one_step = time.perf_counter() - start
        parts = {k: round(v, 3) for k, v in pipe.parts.items()}
        rows.append(
            Row(
                f"sd1@{size}",
                f"SD-1.5 arch, 1 step, no guidance, {size}x{size}",
                size,
                1,
                one_step,
                mem.peak,
                "measured",
                parts,
            )
        )
        print(f"  sd 1-step {size}x{size}: {one_step:.2f} s/image {parts} ({_fmt_bytes(mem.peak)})", flush=True)
        vae_decode = pipe.parts["vae_decode"]
        if size not in sd25_sizes:
            continue
        if full:
            with PeakMemory(device) as mem:
                start = time.perf_counter()
                pipe.run(size, steps=25, guidance=True)
                _sync(device)
                total = time.perf_counter() - start
            parts = {k: round(v, 3) for k, v in pipe.parts.items()}
            rows.append(
                Row(
                    f"sd25@{size}",
                    f"SD-1.5 arch, 25 steps, CFG 7.5, {size}x{size}",
                    size,
                    1,
                    total,
                    mem.peak,
                    "measured",
                    parts,
                )
            )
            print(f"  sd 25-step {size}x{size}: {total:.1f} s/image (measured) {parts}", flush=True)
            continue

        step_times = []
        with PeakMemory(device) as mem:
            for _ in range(step_reps):
                pipe.one_guided_step(size)
                step_times.append(pipe.parts["guided_step"])
        step = statistics.median(step_times)
        with torch.inference_mode():
            start = time.perf_counter()
            pipe.encode(["", PROMPT])
            _sync(device)
            text2 = time.perf_counter() - start
        estimate = text2 + 25 * step + vae_decode
        note = "estimated: text(batch 2) + 25 x measured guided step + measured VAE decode"
        parts = {
            "text_b2": round(text2, 3),
            "guided_step": round(step, 3),
            "guided_steps_s": [round(t, 3) for t in step_times],
            "vae_decode": round(vae_decode, 3),
        }
        rows.append(
            Row(
                f"sd25@{size}",
                f"SD-1.5 arch, 25 steps, CFG 7.5, {size}x{size}",
                size,
                1,
                estimate,
                max(mem.peak, rows[-1].peak_bytes),
                note,
                parts,
            )
        )
        print(f"  sd 25-step {size}x{size}: {estimate:.1f} s/image ({note}) {parts}", flush=True)
    return rows


# --- report ------------------------------------------------------------------------------------


def _fmt_bytes(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def report(rows: list[Row], device: torch.device, mem_label: str) -> list[dict[str, Any]]:
    print()
    print(f"{'pipeline':<52} {'size':>5} {'batch':>5} {'s/image':>9} {mem_label:>20}  how")
    for r in rows:
        print(f"{r.what:<52} {r.size:>5} {r.batch:>5} {r.seconds:>9.3f} {_fmt_bytes(r.peak_bytes):>20}  {r.measured}")
    by_key = {r.key: r for r in rows}
    print()
    results = []
    for size in sorted({r.size for r in rows}):
        galip = by_key.get(f"galip@{size}/b1")
        if galip is None:
            continue
        for key, label in ((f"sd25@{size}", "SD-1.5 25 steps"), (f"sd1@{size}", "SD 1-step")):
            if key in by_key:
                ratio = by_key[key].seconds / galip.seconds
                print(f"ratio  {label} / GALIP  @{size}, batch 1: {ratio:8.1f}x")
        galip8 = by_key.get(f"galip@{size}/b8")
        if galip8 is not None:
            print(f"       GALIP batch 8 vs batch 1 per image @{size}: {galip8.seconds:.3f} vs {galip.seconds:.3f} s")
    print()
    for label, size, kind, minimum in TARGETS:
        galip, other = by_key.get(f"galip@{size}/b1"), by_key.get(f"{kind}@{size}")
        if galip is None or other is None:
            continue
        ratio = other.seconds / galip.seconds
        ok = ratio >= minimum
        results.append({"target": label, "ratio": round(ratio, 1), "minimum": minimum, "met": ok})
        print(f"target {label:<42} >= {minimum:>5.0f}x: {ratio:8.1f}x  {'MET' if ok else 'NOT MET'}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generation.engine.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 256 px only, fewer repetitions")
    parser.add_argument("--full", action="store_true", help="run SD's 25 guided steps instead of estimating them")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's choice)")
    parser.add_argument("--reps", type=int, default=5, help="timed GALIP repetitions at batch 1")
    parser.add_argument("--skip-sd", action="store_true", help="GALIP only (no diffusers needed)")
    parser.add_argument(
        "--sd25-all-sizes", action="store_true", help="also time SD's 25 guided steps at 1024 (default: 512 only)"
    )
    parser.add_argument("--json", help="also write the rows and ratios to this file")
    args = parser.parse_args(argv)

    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # random weights must not hit slow denormal paths (either model)
    sizes = [256] if args.quick else [512, 1024]
    batches = [1] if args.quick else [1, 8]
    reps = 2 if args.quick else args.reps
    print(
        f"device {device} ({torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.processor() or platform.machine()}), "
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, sizes {sizes}, "
        f"{'quick' if args.quick else 'full' if args.full else 'default'} run",
        flush=True,
    )
    started = time.perf_counter()
    print("GALIP, galip-coco layout (CLIP ViT-B/32 quickgelu), random weights:", flush=True)
    rows = bench_galip(device, sizes, batches, reps, args.threads)
    gc.collect()
    if not args.skip_sd:
        print("Stable Diffusion 1.5 architecture (diffusers UNet + KL-VAE, CLIP-L text), random weights:", flush=True)
        sd25_sizes = sizes if args.sd25_all_sizes else sizes[:1]
        rows += bench_sd(device, sizes, args.full, step_reps=1 if args.quick else 2, sd25_sizes=sd25_sizes)
    mem_label = PeakMemory(device).label
    results = report(rows, device, mem_label)
    print(f"\nbench wall time {time.perf_counter() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"device": str(device), "rows": [r.__dict__ for r in rows], "targets": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
