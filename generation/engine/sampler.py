"""The engine: prompt -> sentence embedding -> K noises per image -> GALIP -> CLIP re-ranking ->
exact-size pictures.

Reproducibility: image i of a request with base seed s uses seed (s + i) mod 2**32; its noise is
drawn from a CPU ``torch.Generator`` seeded with it and only then moved to the device, so a seed
means the same noise on every device. Candidate k of an image is row k of that generator's draw,
so a request with ``candidates=1`` reproduces candidate 0.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from . import creative
from .archs import GALIPArch
from .clip import CLIPImageEncoder, CLIPTextEncoder
from .emphasis import Chunk, parse_emphasis, plain_text
from .errors import GenerationCanceled, TransientEngineError
from .galip import NetG
from .noise import sample_noise
from .package import FileEntry, LoadedModel, ModelManifest, load_package, resolve_model
from .request import MAX_SEED, GeneratedImage, GenerationRequest
from .styles import STYLES, compose
from .upscale import SRNet, plan_grid, upscale_to
from .version import ENGINE_VERSION

__all__ = ["Engine", "TextEmbeddingCache", "sample_noise", "resolve_device", "STAGES", "NEGATIVE_WEIGHT"]

STAGES = ("encoding", "generating", "selecting", "upscaling")  # an upload's restyle starts with "inverting"
# How much of the negative prompt's embedding is subtracted (then the norm is restored).
NEGATIVE_WEIGHT = 0.5

ProgressFn = Callable[[str, float], None]
CancelFn = Callable[[], bool]


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


# A prompt's sentence embedding, its token embeddings (when G reads words) and whether it was cut.
TextEntry = tuple[torch.Tensor, torch.Tensor | None, bool]


class TextEmbeddingCache:
    """LRU cache text -> (embedding, token embeddings or None, truncated). ``hits`` and
    ``misses`` count lookups."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[str, TextEntry] = OrderedDict()

    def get(self, key: str) -> TextEntry | None:
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self.hits += 1
        self._data.move_to_end(key)
        return value

    def put(self, key: str, value: TextEntry) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.maxsize:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


@dataclass
class Conditioning:
    embedding: torch.Tensor  # [embed_dim], fp32, on the engine's device
    words: torch.Tensor | None  # [L, embed_dim] token embeddings, for a G that reads them
    truncated: bool  # the (styled) prompt was cut at the context length
    negative_truncated: bool


class Engine:
    """A loaded model package, ready to generate. Load once per process and reuse.

    ``generate`` holds a lock: calls from several threads run one after another.
    """

    def __init__(
        self,
        loaded: LoadedModel,
        device: torch.device,
        compile: bool = False,
        precision: str = "auto",
        text_cache_size: int = 512,
        max_batch: int = 64,
        threads: int | None = None,
    ) -> None:
        self.manifest: ModelManifest = loaded.manifest
        self.device = device
        self.netG: NetG = loaded.netG
        self.clip_model = loaded.clip_model
        self.sr_net: SRNet | None = loaded.sr_net
        self.text_encoder = CLIPTextEncoder(self.clip_model)
        self.image_encoder = CLIPImageEncoder(self.clip_model, tap_layers=()).to(device)
        self.text_cache = TextEmbeddingCache(text_cache_size)
        self.max_batch = max_batch
        self.precision = self._pick_precision(precision)
        self.threads = self._pick_threads(threads)
        if device.type == "cuda":
            # channels_last lets cuDNN pick its fastest fp16 convolution kernels.
            self.netG.to(memory_format=torch.channels_last)
            if self.sr_net is not None:
                self.sr_net.to(memory_format=torch.channels_last)
        self._generator = torch.compile(self.netG) if compile else self.netG
        self.compiled = compile
        self._lock = threading.Lock()

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        device: str | torch.device = "auto",
        compile: bool = False,
        *,
        precision: str = "auto",
        verify: bool = True,
        models_dir: str | Path | None = None,
        threads: int | None = None,
    ) -> Engine:
        """Load a package by folder or by name (looked up under the models directory).

        ``threads``: CPU intra-op threads used while generating (None: 1 for small models, whose
        tiny kernels only lose time synchronising threads, else torch's default).
        """
        dev = resolve_device(device)
        loaded = load_package(resolve_model(model_dir, models_dir), device=dev, verify=verify)
        return cls(loaded, dev, compile=compile, precision=precision, threads=threads)

    @classmethod
    def from_networks(
        cls,
        arch: GALIPArch,
        netG: NetG,
        clip_model: torch.nn.Module,
        *,
        name: str = "in-memory",
        trained: bool = False,
        sr_net: SRNet | None = None,
        device: str | torch.device = "auto",
        **kwargs: Any,
    ) -> Engine:
        """An engine over networks already in memory (benchmarks, training previews)."""
        dev = resolve_device(device)
        manifest = ModelManifest(
            name=name,
            category="general",
            description="",
            trained=trained,
            native_size=arch.netG.native_size(),
            clip_arch=arch.clip.arch,
            context_length=arch.clip.context_length,
            files={"generator": FileEntry("", "", 0), "clip": FileEntry("", "", 0)},
            license="",
            arch=arch,
            super_resolution=sr_net.cfg if sr_net is not None else None,
        )
        for module in (netG, clip_model, sr_net):
            if module is not None:
                module.to(dev).eval().requires_grad_(False)
        return cls(LoadedModel(manifest, netG, clip_model, sr_net), dev, **kwargs)

    def _pick_precision(self, precision: str) -> str:
        if precision not in ("auto", "fp32", "fp16", "bf16"):
            raise ValueError("precision must be auto, fp32, fp16 or bf16")
        if precision == "auto":
            # GALIP trains with fp16 AMP on CUDA; on CPU fp32 is the exact, portable choice.
            return "fp16" if self.device.type == "cuda" else "fp32"
        return precision

    def _pick_threads(self, threads: int | None) -> int | None:
        if self.device.type != "cpu":
            return None
        if threads is not None:
            return max(1, int(threads))
        # Measured here (docs/engine.md): for a 64 px model two threads on a busy 2-core machine
        # made a 512x512 request 40x slower than one thread, as each parallel region waits for a
        # descheduled worker. Big models keep torch's default.
        return 1 if max(self.manifest.native_size) <= 128 else None

    @contextlib.contextmanager
    def _cpu_threads(self) -> Iterator[None]:
        if self.threads is None or self.threads == torch.get_num_threads():
            yield
            return
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        """The precision's autocast context (a no-op in fp32)."""
        return self._autocast()

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.precision == "fp32":
            return contextlib.nullcontext()
        dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
        return torch.autocast(device_type=self.device.type, dtype=dtype)

    # --- building blocks (public so tests and tools can check each step) --------------------

    @property
    def reads_words(self) -> bool:
        """Whether G also reads the prompt's token embeddings (NetGConfig.word_attn)."""
        return self.manifest.arch.netG.word_attn

    def _text(self, text: str) -> TextEntry:
        cached = self.text_cache.get(text)
        if cached is not None:
            return cached
        with torch.inference_mode(), self._autocast():
            if self.reads_words:
                emb, words, _, truncated = self.text_encoder.encode_words(text)
                value: TextEntry = (emb[0].float(), words[0].float(), truncated[0])
            else:
                emb, truncated = self.text_encoder.encode(text)
                value = (emb[0].float(), None, truncated[0])
        self.text_cache.put(text, value)
        return value

    def encode_text(self, text: str) -> tuple[torch.Tensor, bool]:
        """Sentence embedding [embed_dim] (fp32, on device) and whether the text was truncated."""
        emb, _, truncated = self._text(text)
        return emb, truncated

    def encode_words(self, text: str) -> torch.Tensor | None:
        """The text's token embeddings [L, embed_dim] for a G that reads them, else None."""
        return self._text(text)[1]

    def conditioning(self, req: GenerationRequest) -> Conditioning:
        """The vector G is conditioned on: the prompt, mixed with its styled form by
        style_strength, minus the negative prompt; norms are kept close to a real sentence
        embedding's because G was trained on unnormalised embeddings. For a G that reads words,
        also the token embeddings it reads (those of the prompt or of its styled form)."""
        chunks = parse_emphasis(req.prompt.strip())
        prompt = plain_text(chunks).strip()
        word_chunks = chunks
        cond, words, truncated = self._text(prompt)
        if req.style and req.style_strength > 0:
            styled, styled_words, styled_truncated = self._text(compose(prompt, req.style))
            s = float(req.style_strength)
            # Token embeddings cannot be mixed position by position: G reads the words of the
            # text that weighs more. A negative prompt steers only the sentence vector.
            words = styled_words if s >= 0.5 else words
            if s >= 0.5:
                before, _, after = STYLES[req.style].template.partition("{prompt}")
                word_chunks = [Chunk(before, 1.0), *chunks, Chunk(after, 1.0)]
            mixed = (1 - s) * cond + s * styled
            target_norm = (1 - s) * cond.norm() + s * styled.norm()
            cond = mixed * (target_norm / mixed.norm().clamp_min(1e-6))
            truncated = styled_truncated if s == 1.0 else (truncated or styled_truncated)
        cond, words = creative.emphasise(self, chunks, cond, words, word_chunks)
        negative_truncated = False
        negative = (req.negative_prompt or "").strip()
        if negative:
            neg, negative_truncated = self.encode_text(negative)
            norm = cond.norm()
            diff = cond - NEGATIVE_WEIGHT * neg
            cond = diff * (norm / diff.norm().clamp_min(1e-6))
        return Conditioning(cond, words, truncated, negative_truncated)

    def render_native(
        self,
        noise: torch.Tensor,
        cond: torch.Tensor,
        grid_hw: tuple[int, int] | None = None,
        on_chunk: Callable[[float], None] | None = None,
        words: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """G on a batch of noises with one condition: [B,3,h,w] fp32 in [-1,1] on the device.

        ``words``: the prompt's token embeddings [L, embed_dim] (``encode_words``), which a G
        with ``word_attn`` needs and any other ignores."""
        if self.reads_words and words is None:
            raise ValueError(f"model {self.manifest.name!r} reads the prompt's words: pass words=encode_words(prompt)")
        noise = noise.to(self.device)
        outputs = []
        total = noise.shape[0]
        with torch.inference_mode(), self._autocast():
            for start in range(0, total, self.max_batch):
                z = noise[start : start + self.max_batch]
                c = cond.to(self.device).unsqueeze(0).expand(z.shape[0], -1)
                if self.reads_words:
                    w = words.to(self.device).unsqueeze(0).expand(z.shape[0], -1, -1)
                    out = self._generator(z, c, grid_hw, w)
                else:
                    out = self._generator(z, c, grid_hw)
                outputs.append(out.float().clamp_(-1, 1))
                if on_chunk is not None:
                    on_chunk(min(1.0, (start + z.shape[0]) / total))
        images = torch.cat(outputs) if len(outputs) > 1 else outputs[0]
        return images.contiguous()

    def clip_scores(self, images: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Cosine similarity [B] between each image's CLIP embedding and the condition vector."""
        with torch.inference_mode(), self._autocast():
            emb = self.image_encoder.embed(images, keep_grid=True).float()
        return torch.nn.functional.cosine_similarity(emb, cond.float().unsqueeze(0), dim=-1)

    def clip_rows(self, images: torch.Tensor, conds: torch.Tensor) -> torch.Tensor:
        """Cosine [B] between each image's CLIP embedding and its own condition row [B, D]."""
        with torch.inference_mode(), self._autocast():
            emb = self.image_encoder.embed(images, keep_grid=True).float()
        return torch.nn.functional.cosine_similarity(emb, conds.float().to(emb.device), dim=-1).cpu()

    def upscale(self, native: torch.Tensor, width: int, height: int) -> tuple[list[Image.Image], str]:
        """Native renders [B,3,h,w] to exact-size RGB pictures, and the resampling used."""
        with torch.inference_mode(), self._autocast():
            final, resample = upscale_to(native, width, height, self.sr_net)
        return _to_pil(final.float()), resample

    def grid_for(self, width: int, height: int) -> tuple[int, int]:
        arch = self.manifest.arch
        return plan_grid(width, height, arch.netG.grid, arch.max_aspect)

    # --- the request ---------------------------------------------------------------------------

    def generate(
        self,
        req: GenerationRequest,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelFn | None = None,
    ) -> list[GeneratedImage]:
        """Run a request; raises InvalidRequest, GenerationCanceled or TransientEngineError."""
        req.validate()
        progress = on_progress or (lambda stage, fraction: None)
        cancel = should_cancel or (lambda: False)
        return self._guarded(lambda: self._dispatch(req, progress, cancel))

    def restyle_upload(
        self,
        req: GenerationRequest,
        image: Image.Image,
        on_progress: ProgressFn | None = None,
        should_cancel: CancelFn | None = None,
    ) -> list[GeneratedImage]:
        """An uploaded picture inverted into the model (creative.invert), then rendered under the
        request's prompt: the reconstruction first, then ``req.n`` restyled pictures."""
        req.validate()
        progress = on_progress or (lambda stage, fraction: None)
        cancel = should_cancel or (lambda: False)
        base_seed = req.seed if req.seed is not None else secrets.randbelow(MAX_SEED + 1)
        return self._guarded(lambda: creative.restyle_upload(self, req, image, base_seed, progress, cancel))

    def _dispatch(self, req: GenerationRequest, progress: ProgressFn, cancel: CancelFn) -> list[GeneratedImage]:
        base_seed = req.seed if req.seed is not None else secrets.randbelow(MAX_SEED + 1)
        if req.frames:
            return creative.interpolate(self, req, base_seed, progress, cancel)
        return self.generate_locked(req, progress, cancel, base_seed=base_seed)

    def _guarded(self, run: Callable[[], list[GeneratedImage]]) -> list[GeneratedImage]:
        with self._lock, self._cpu_threads():
            try:
                return run()
            except torch.OutOfMemoryError as exc:
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                raise TransientEngineError(f"out of memory on {self.device}; try again shortly") from exc
            except RuntimeError as exc:
                if "can't allocate memory" in str(exc):  # the CPU allocator's wording
                    raise TransientEngineError(f"out of memory on {self.device}; try again shortly") from exc
                raise

    @staticmethod
    def _check(cancel: CancelFn) -> None:
        if cancel():
            raise GenerationCanceled("generation canceled")

    def generate_locked(
        self,
        req: GenerationRequest,
        progress: ProgressFn,
        cancel: CancelFn,
        *,
        base_seed: int,
        source: torch.Tensor | None = None,
        condition: Conditioning | None = None,
    ) -> list[GeneratedImage]:
        """The request's pictures; the caller holds the lock (``generate`` does). ``source``: a
        noise [nz] to vary instead of ``req.source_seed``'s (an inverted upload); ``condition``:
        a conditioning to use instead of the request's own (an inverted upload's, mixed)."""
        seeds = [(base_seed + i) % 2**32 for i in range(req.n)]
        k = req.candidates
        netg_cfg = self.manifest.arch.netG

        self._check(cancel)
        progress("encoding", 0.0)
        cond = condition if condition is not None else self.conditioning(req)
        progress("encoding", 1.0)

        self._check(cancel)
        progress("generating", 0.0)
        grid_hw = self.grid_for(req.width, req.height)
        noise = creative.request_noise(req, seeds, k, netg_cfg.nz, source)
        native = self.render_native(
            noise, cond.embedding, grid_hw, lambda f: progress("generating", f), words=cond.words
        )
        progress("generating", 1.0)

        self._check(cancel)
        progress("selecting", 0.0)
        scores = self.clip_scores(native, cond.embedding).view(req.n, k)
        best = scores.argmax(dim=1)
        kept = native.view(req.n, k, *native.shape[1:])[
            torch.arange(req.n, device=native.device), best.to(native.device)
        ]
        progress("selecting", 1.0)

        self._check(cancel)
        progress("upscaling", 0.0)
        pictures, resample = self.upscale(kept, req.width, req.height)
        progress("upscaling", 1.0)

        results = []
        scores_cpu = scores.float().cpu()
        kept_noise = noise.view(req.n, k, -1)[torch.arange(req.n), best.cpu()]
        for i, (seed, picture) in enumerate(zip(seeds, pictures, strict=True)):
            score = float(scores_cpu[i, best[i]])
            settings = self.settings_for(
                req,
                seed=seed,
                base_seed=base_seed,
                index=i,
                candidate_index=int(best[i]),
                score=score,
                native=native,
                grid_hw=grid_hw,
                resample=resample,
                cond=cond,
            )
            settings["noise"] = kept_noise[i].tolist()  # the exact noise: variations and restyles start here
            results.append(
                GeneratedImage(
                    image=picture,
                    seed=seed,
                    clip_score=score,
                    settings=settings,
                    candidate_scores=[float(v) for v in scores_cpu[i]],
                )
            )
        return results

    def settings_for(
        self,
        req: GenerationRequest,
        *,
        seed: int,
        base_seed: int,
        index: int,
        candidate_index: int,
        score: float,
        native: torch.Tensor,
        grid_hw: tuple[int, int],
        resample: str,
        cond: Conditioning | None,
    ) -> dict[str, Any]:
        """Everything needed to reproduce one picture (stored with it and in its PNG)."""
        native_w, native_h = native.shape[-1], native.shape[-2]
        method = f"aspect-grid {grid_hw[1]}x{grid_hw[0]} -> {native_w}x{native_h} -> {resample}"
        settings = {
            "engine": "instantpainting-galip",
            "engine_version": ENGINE_VERSION,
            "model": self.manifest.name,
            "model_trained": self.manifest.trained,
            "prompt": req.prompt,
            "negative_prompt": req.negative_prompt,
            "style": req.style or None,
            "style_strength": float(req.style_strength),
            "width": req.width,
            "height": req.height,
            "seed": seed,
            "base_seed": base_seed,
            "index": index,
            "truncation": float(req.truncation),
            "candidates": req.candidates,
            "candidate_index": candidate_index,
            "clip_score": score,
            "native_size": [native_w, native_h],
            "grid": [grid_hw[1], grid_hw[0]],  # (columns, rows), like sizes
            "method": method,
            "truncated": cond.truncated if cond is not None else False,
            "negative_truncated": cond.negative_truncated if cond is not None else False,
            "device": self.device.type,
            "precision": self.precision,
        }
        if req.source_noise is not None:
            settings["source"] = "noise"
        elif req.source_seed is not None:
            settings.update(source_seed=req.source_seed, source_candidate=req.source_candidate)
        if req.source_seed is not None or req.variation_strength:
            settings["variation_strength"] = float(req.variation_strength)
        return settings


def _to_pil(images: torch.Tensor) -> list[Image.Image]:
    """[-1,1] [B,3,H,W] -> RGB PIL images (rounded, not truncated, to uint8)."""
    pixels = ((images + 1) * 127.5).round_().clamp_(0, 255).to(torch.uint8)
    arr = pixels.permute(0, 2, 3, 1).contiguous().cpu().numpy()
    return [Image.fromarray(a) for a in arr]
