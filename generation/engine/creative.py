"""The creative studio's arithmetic: a picture is one noise vector plus one text conditioning, so
variations, restyles and interpolations move one of the two and render again.

- variations: the source picture's noise turned towards a fresh one by an angle (``vary``), so
  every strength keeps the noise a draw from the same distribution G was trained on;
- restyle of one's own picture: the source's exact noise (strength 0) under a new prompt/style;
- restyle of an uploaded picture: ``invert`` finds a noise (and starts from the CLIP image
  embedding as the condition) whose rendering matches the upload at native size, then renders it
  under the new prompt;
- interpolation: spherical interpolation between two noises, linear between two conditionings
  (``interpolate``);
- emphasis: ``(snow:1.4)`` weights moved onto the sentence vector and the token embeddings
  (``emphasise``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F
from PIL import Image

from .emphasis import Chunk, has_emphasis, token_weights
from .errors import GenerationCanceled, InvalidRequest
from .noise import sample_noise
from .request import GeneratedImage, GenerationRequest

if TYPE_CHECKING:
    from .sampler import Engine

__all__ = [
    "slerp",
    "vary",
    "source_noise",
    "request_noise",
    "emphasise",
    "interpolate",
    "Inversion",
    "invert",
    "restyle_upload",
    "INVERSION_STEPS",
]

ProgressFn = Callable[[str, float], None]
CheckFn = Callable[[], None]
CancelFn = Callable[[], bool]


def _checker(cancel: CancelFn) -> CheckFn:
    def check() -> None:
        if cancel():
            raise GenerationCanceled("generation canceled")

    return check


INVERSION_STEPS = 60  # Adam steps at native size (README: error and time measured by bench_studio)
INVERSION_RESTARTS = 2  # starting noises optimised together; the best is kept
INVERSION_LR = 0.25


def slerp(a: torch.Tensor, b: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between noise vectors (rows), falling back to a straight line when
    they are (nearly) parallel. t=0 gives ``a``, t=1 gives ``b``."""
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device)
    na, nb = a / a.norm(dim=-1, keepdim=True).clamp_min(1e-8), b / b.norm(dim=-1, keepdim=True).clamp_min(1e-8)
    omega = torch.acos((na * nb).sum(-1, keepdim=True).clamp(-1 + 1e-7, 1 - 1e-7))
    so = torch.sin(omega)
    if bool((so.abs() < 1e-4).all()):
        return (1 - t) * a + t * b
    return (torch.sin((1 - t) * omega) / so) * a + (torch.sin(t * omega) / so) * b


def vary(source: torch.Tensor, fresh: torch.Tensor, strength: float) -> torch.Tensor:
    """``source`` [nz] turned towards each row of ``fresh`` [k, nz] by strength·90°:
    cos·source + sin·fresh. Two independent normal vectors are (nearly) orthogonal, so the result
    is again a normal draw; strength 0 is the source exactly, 1 the fresh noise."""
    angle = float(strength) * math.pi / 2
    return math.cos(angle) * source.unsqueeze(0) + math.sin(angle) * fresh


def source_noise(seed: int, candidate: int, nz: int, truncation: float) -> torch.Tensor:
    """The noise [nz] a generated picture was drawn from: row ``candidate`` of its seed's draw."""
    return sample_noise(seed, candidate + 1, nz, truncation)[candidate]


def noise_of(values: list[float], nz: int) -> torch.Tensor:
    """A recorded noise (settings["noise"]) as a tensor; InvalidRequest when the model's nz differs."""
    if len(values) != nz:
        raise InvalidRequest("source_noise", f"this model's noise has {nz} numbers, the source has {len(values)}")
    return torch.tensor(values, dtype=torch.float32)


def start_noise(req: GenerationRequest, base_seed: int, nz: int) -> torch.Tensor:
    """The noise [nz] an interpolation starts from: the source's, else the seed's."""
    if req.source_noise is not None:
        return noise_of(req.source_noise, nz)
    if req.source_seed is not None:
        return source_noise(req.source_seed, req.source_candidate, nz, req.truncation)
    return source_noise(base_seed, 0, nz, req.truncation)


def request_noise(
    req: GenerationRequest, seeds: list[int], k: int, nz: int, source: torch.Tensor | None = None
) -> torch.Tensor:
    """The [n·k, nz] noises of a request: fresh ones per seed, or, with a source (``source`` or
    ``req.source_seed``), the source's noise varied towards them by ``req.variation_strength``."""
    fresh = torch.cat([sample_noise(seed, k, nz, req.truncation) for seed in seeds])
    if source is None and req.source_noise is not None:
        source = noise_of(req.source_noise, nz)
    if source is None and req.source_seed is None:
        return fresh
    if source is None:
        assert req.source_seed is not None
        source = source_noise(req.source_seed, req.source_candidate, nz, req.truncation)
    return vary(source.float().cpu(), fresh, req.variation_strength)


# --- emphasis ----------------------------------------------------------------------------------


def emphasise(
    engine: Engine, chunks: list[Chunk], cond: torch.Tensor, words: torch.Tensor | None, word_chunks: list[Chunk]
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Apply emphasis weights to the conditioning.

    Sentence: the CLIP sentence vector pools every word at once, so a part's contribution is read
    as the difference it makes (the prompt's embedding minus the prompt's without that part), and
    (weight − 1) times that difference is added; the norm is restored. Words (a G that reads
    them): each token embedding is scaled by its part's weight and the mean restored, A1111's
    rule. ``word_chunks``: the chunks of the text whose words G reads (the styled text under a
    style).
    """
    if not has_emphasis(chunks):
        return cond, words
    full = "".join(c.text for c in chunks).strip()
    base, _ = engine.encode_text(full)
    delta = torch.zeros_like(cond)
    for i, chunk in enumerate(chunks):
        if math.isclose(chunk.weight, 1.0) or not chunk.text.strip():
            continue
        without = "".join(c.text for j, c in enumerate(chunks) if j != i).strip()
        other, _ = engine.encode_text(without) if without else (torch.zeros_like(base), False)
        delta = delta + (chunk.weight - 1.0) * (base - other)
    moved = cond + delta
    cond = moved * (cond.norm() / moved.norm().clamp_min(1e-6))
    if words is not None:
        bpe = engine.text_encoder.tokenizer._bpe
        length = words.shape[0] - 2  # without start and end tokens
        weights = token_weights(word_chunks, lambda text: len(bpe.encode(text)), length)
        scale = torch.ones(words.shape[0], 1, device=words.device, dtype=words.dtype)
        scale[1 : 1 + length, 0] = torch.tensor(weights, device=words.device, dtype=words.dtype)
        weighted = words * scale
        words = weighted * (words.mean() / weighted.mean()) if float(weighted.mean()) != 0 else weighted
    return cond, words


# --- interpolation -----------------------------------------------------------------------------


def interpolate(
    engine: Engine, req: GenerationRequest, base_seed: int, progress: ProgressFn, cancel: CancelFn
) -> list[GeneratedImage]:
    """``req.frames`` pictures from (start noise, prompt) to (end noise, interpolate_prompt).

    The start noise is the source's (``source_seed``) or the seed's; the end noise is
    ``interpolate_seed``'s (the start's when absent). Noises are slerped, sentence vectors mixed
    linearly with their norm kept; a G that reads words reads those of the nearer prompt. One
    candidate per frame: re-ranking would break the sequence.
    """
    nz = engine.manifest.arch.netG.nz
    check = _checker(cancel)
    progress("encoding", 0.0)
    start_cond = engine.conditioning(req)
    end_prompt = req.interpolate_prompt.strip() or req.prompt
    end_req = GenerationRequest(**{**_fields(req), "prompt": end_prompt})
    end_cond = engine.conditioning(end_req)
    progress("encoding", 1.0)
    check()
    start = start_noise(req, base_seed, nz)
    end = source_noise(req.interpolate_seed, 0, nz, req.truncation) if req.interpolate_seed is not None else start
    ts = [j / (req.frames - 1) for j in range(req.frames)]
    noise = torch.stack([slerp(start, end, t) for t in ts])
    conds = []
    for t in ts:
        mixed = (1 - t) * start_cond.embedding + t * end_cond.embedding
        norm = (1 - t) * start_cond.embedding.norm() + t * end_cond.embedding.norm()
        conds.append(mixed * (norm / mixed.norm().clamp_min(1e-6)))
    cond = torch.stack(conds)
    grid_hw = engine.grid_for(req.width, req.height)
    progress("generating", 0.0)
    native = render_rows(
        engine,
        noise,
        cond,
        grid_hw,
        [start_cond.words if t < 0.5 else end_cond.words for t in ts],
        lambda f: progress("generating", f),
    )
    progress("generating", 1.0)
    check()
    progress("selecting", 0.0)
    scores = engine.clip_rows(native, cond)
    progress("selecting", 1.0)
    progress("upscaling", 0.0)
    pictures, resample = engine.upscale(native, req.width, req.height)
    progress("upscaling", 1.0)
    results = []
    for j, (t, picture) in enumerate(zip(ts, pictures, strict=True)):
        settings = engine.settings_for(
            req,
            seed=base_seed,
            base_seed=base_seed,
            index=j,
            candidate_index=0,
            score=float(scores[j]),
            native=native,
            grid_hw=grid_hw,
            resample=resample,
            cond=start_cond,
        )
        settings["candidates"] = 1
        settings["noise"] = noise[j].tolist()
        settings["interpolation"] = {
            "frame": j,
            "frames": req.frames,
            "t": t,
            "from_seed": req.source_seed if req.source_seed is not None else base_seed,
            "from_candidate": req.source_candidate if req.source_seed is not None else 0,
            "to_seed": req.interpolate_seed if req.interpolate_seed is not None else None,
            "to_prompt": end_prompt,
        }
        results.append(GeneratedImage(picture, base_seed, float(scores[j]), settings, [float(scores[j])]))
    return results


def render_rows(
    engine: Engine,
    noise: torch.Tensor,
    cond: torch.Tensor,
    grid_hw: tuple[int, int],
    words: list[torch.Tensor | None],
    on_chunk: Callable[[float], None] | None = None,
) -> torch.Tensor:
    """G on rows that each have their own condition (and words): [B,3,h,w] in [-1,1]."""
    outputs = []
    total = noise.shape[0]
    i = 0
    while i < total:
        # Rows with the same words (one prompt's) go through G together.
        j = i
        while j < total and j - i < engine.max_batch and words[j] is words[i]:
            j += 1
        z = noise[i:j].to(engine.device)
        c = cond[i:j].to(engine.device)
        with torch.inference_mode(), engine.autocast():
            if engine.reads_words:
                w_i = words[i]
                assert w_i is not None
                w = w_i.to(engine.device).unsqueeze(0).expand(z.shape[0], -1, -1)
                out = engine.netG(z, c, grid_hw, w)
            else:
                out = engine.netG(z, c, grid_hw)
            outputs.append(out.float().clamp_(-1, 1))
        i = j
        if on_chunk is not None:
            on_chunk(i / total)
    return torch.cat(outputs).contiguous()


def _fields(req: GenerationRequest) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(req, f.name) for f in dataclasses.fields(GenerationRequest)}


# --- inversion of an uploaded picture ----------------------------------------------------------


@dataclass
class Inversion:
    noise: torch.Tensor  # [nz] CPU fp32: the noise whose rendering matches the upload
    condition: torch.Tensor  # [embed_dim]: the condition the noise was fitted under
    words: torch.Tensor | None  # the words it was fitted under (a G that reads them)
    target: torch.Tensor  # [3,h,w] in [-1,1]: the upload at native size
    reconstruction: torch.Tensor  # [3,h,w] in [-1,1]: G(noise, condition)
    error: float  # mean absolute error in 0..255 pixel units, at native size
    seconds: float


def _native_target(engine: Engine, image: Image.Image) -> torch.Tensor:
    """The upload cover-cropped to the model's native size, as a [1,3,h,w] tensor in [-1,1]."""
    from PIL import ImageOps

    width, height = engine.manifest.native_size
    fitted = ImageOps.fit(image.convert("RGB"), (width, height), method=Image.Resampling.LANCZOS)
    pixels = torch.frombuffer(bytearray(fitted.tobytes()), dtype=torch.uint8).view(height, width, 3)
    return (pixels.permute(2, 0, 1).float() / 127.5 - 1).unsqueeze(0)


def invert(
    engine: Engine,
    image: Image.Image,
    prompt: str,
    *,
    steps: int = INVERSION_STEPS,
    restarts: int = INVERSION_RESTARTS,
    seed: int = 0,
    lr: float = INVERSION_LR,
    settle_on_text: bool = False,
    on_step: Callable[[float], None] | None = None,
    check: CheckFn | None = None,
) -> Inversion:
    """Find the noise whose rendering at native size matches ``image``.

    The condition starts as the upload's CLIP image embedding, scaled to the norm of the
    prompt's sentence embedding (CLIP aligns image and text directions, G was trained on text
    norms); where the model's CLIP image tower cannot read the native size, the prompt's own
    embedding is used. ``restarts`` noises (drawn from ``seed``) are optimised together with Adam
    on pixel L1 + L2 and a pull towards the noise prior; the condition is refined gently
    alongside. With ``settle_on_text`` the condition then slides to the prompt's own
    embedding over the second half while the noise keeps fitting, so the noise holds the layout
    under the text: a restyle (the same noise under a styled or edited prompt) keeps the
    composition. The best restart is kept; the reconstruction is G(noise, final condition).
    """
    started = time.perf_counter()
    nz = engine.manifest.arch.netG.nz
    target = _native_target(engine, image).to(engine.device)
    text_cond, _ = engine.encode_text(prompt)
    words = engine.encode_words(prompt)
    with torch.inference_mode():
        try:
            image_emb = engine.image_encoder.embed(target, keep_grid=True).float()[0]
            start_cond = image_emb / image_emb.norm().clamp_min(1e-6) * text_cond.norm()
        except (RuntimeError, ValueError):
            start_cond = text_cond.clone()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    z = torch.randn(restarts, nz, generator=generator).to(engine.device).requires_grad_(True)
    c = start_cond.detach().clone().unsqueeze(0).repeat(restarts, 1).requires_grad_(True)
    optimiser = torch.optim.Adam([{"params": [z], "lr": lr}, {"params": [c], "lr": lr / 8}])
    # Large steps first, small ones to settle (cosine), so few steps reach a low error.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(1, steps), eta_min=lr / 20)
    w = words.detach().clone().unsqueeze(0).expand(restarts, -1, -1) if words is not None else None
    netG = engine.netG
    grid_hw = engine.grid_for(*engine.manifest.native_size)
    goal = target.expand(restarts, -1, -1, -1)
    text = text_cond.detach().unsqueeze(0)

    def condition(step: int) -> torch.Tensor:
        if not settle_on_text:
            fitted: torch.Tensor = c
            return fitted
        # Image embedding for the first 40 % of the steps, then a slide to the text by 80 %.
        alpha = min(1.0, max(0.0, (step - 0.4 * steps) / max(1.0, 0.4 * steps)))
        blended: torch.Tensor = (1 - alpha) * c + alpha * text
        return blended

    with torch.enable_grad():
        for step in range(steps):
            optimiser.zero_grad(set_to_none=True)
            cond = condition(step)
            out = netG(z, cond, grid_hw, w) if w is not None else netG(z, cond, grid_hw)
            per_row = (out - goal).abs().mean(dim=(1, 2, 3)) + ((out - goal) ** 2).mean(dim=(1, 2, 3))
            prior = ((z.pow(2).mean(dim=1) - 1.0) ** 2) * 0.05
            (per_row + prior).sum().backward()
            optimiser.step()
            schedule.step()
            if on_step is not None and step % 10 == 0:
                on_step(step / steps)
            if check is not None and step % 20 == 0:
                check()
    with torch.inference_mode():
        final = (text.expand(restarts, -1) if settle_on_text else c).detach()
        out = netG(z, final, grid_hw, w) if w is not None else netG(z, final, grid_hw)
        errors = (out.clamp(-1, 1) - goal).abs().mean(dim=(1, 2, 3))
        best = int(errors.argmin())
    return Inversion(
        noise=z[best].detach().float().cpu(),
        condition=final[best].float(),
        words=words,
        target=target[0].detach(),
        reconstruction=out[best].detach().clamp(-1, 1),
        error=float(errors[best]) * 127.5,
        seconds=time.perf_counter() - started,
    )


def restyle_upload(
    engine: Engine, req: GenerationRequest, image: Image.Image, base_seed: int, progress: ProgressFn, cancel: CancelFn
) -> list[GeneratedImage]:
    """The reconstruction (what the model understood of the upload) followed by ``req.n`` renders
    of its inverted noise under the request's prompt and style (varied by variation_strength).

    Runs under the engine's lock (Engine.restyle_upload)."""
    check = _checker(cancel)
    progress("inverting", 0.0)
    inversion = invert(engine, image, req.prompt, on_step=lambda f: progress("inverting", f), check=check)
    progress("inverting", 1.0)
    check()
    pictures, resample = engine.upscale(inversion.reconstruction.unsqueeze(0), req.width, req.height)
    native = inversion.reconstruction.unsqueeze(0)
    grid_hw = engine.grid_for(*engine.manifest.native_size)
    score = float(engine.clip_rows(native, inversion.condition.unsqueeze(0))[0])
    settings = engine.settings_for(
        req,
        seed=base_seed,
        base_seed=base_seed,
        index=0,
        candidate_index=0,
        score=score,
        native=native,
        grid_hw=grid_hw,
        resample=resample,
        cond=None,
    )
    settings["reconstruction"] = True
    settings["noise"] = inversion.noise.tolist()
    settings["reconstruction_error"] = round(inversion.error, 3)
    settings["inversion_seconds"] = round(inversion.seconds, 3)
    reconstruction = GeneratedImage(pictures[0], base_seed, score, settings, [score])
    # How far from what the model understood towards the prompt (with its full style) to move:
    # the request's style_strength (0: the reconstruction, 1: the prompt alone, which keeps less
    # of the upload's layout; README shows both ends).
    target = engine.conditioning(GenerationRequest(**{**_fields(req), "style_strength": 1.0}))
    beta = float(req.style_strength)
    mixed = (1 - beta) * inversion.condition + beta * target.embedding
    norm = (1 - beta) * inversion.condition.norm() + beta * target.embedding.norm()
    target.embedding = mixed * (norm / mixed.norm().clamp_min(1e-6))
    restyled = engine.generate_locked(
        req, progress, cancel, source=inversion.noise, base_seed=base_seed, condition=target
    )
    for result in restyled:
        result.settings["index"] = result.settings["index"] + 1
        result.settings["reconstruction_error"] = round(inversion.error, 3)
    return [reconstruction, *restyled]


def pixel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean absolute difference of two [-1,1] image tensors, in 0..255 units."""
    return float(F.l1_loss(a.float(), b.float())) * 127.5
