"""CLIP through open_clip: building the model from a config, loading local weights, tokenizing,
and the two encoders GALIP needs.

Nothing here downloads anything: models are built from a config dict (``open_clip.model.CLIP``)
and weights come from local files only. The open_clip pitfalls listed in docs/engine.md are handled
here: batch-first token layout, the causal text mask (we always go through ``encode_text``), and
QuickGELU for OpenAI-trained weights (``ViT-B-32-quickgelu``).
"""

from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import open_clip
import torch
import torch.nn.functional as F
from open_clip.model import CLIP
from torch import nn

from .configs import BPE_VOCAB_SIZE, CLIPConfig
from .errors import WeightsCorrupt, WeightsMissing
from .galip import grid_positional_embedding

__all__ = [
    "CLIPConfig",
    "CLIPTokenizer",
    "CLIPTextEncoder",
    "CLIPImageEncoder",
    "encode_words",
    "build_clip",
    "load_clip_state_dict",
    "SHARED_VISUAL_PREFIXES",
    "BPE_VOCAB_SIZE",
]

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# The parts of ``clip_model.visual`` that NetG owns (stored in generator.safetensors under
# ``mapping.CLIP_ViT.``); the rest of the CLIP model lives in clip.safetensors.
SHARED_VISUAL_PREFIXES = ("conv1.", "class_embedding", "positional_embedding", "ln_pre.", "transformer.")


def build_clip(cfg: CLIPConfig, device: torch.device | str | None = None, init: bool = True) -> CLIP:
    """Build an open_clip CLIP from ``cfg``. Never downloads.

    ``init=False`` skips the random initialisation (the model is built on the meta device and
    materialised empty): only for callers that load every parameter right after, which is about
    3 s faster for ViT-B on this CPU.
    """
    kwargs = dict(
        embed_dim=cfg.embed_dim, vision_cfg=dict(cfg.vision_cfg), text_cfg=dict(cfg.text_cfg), quick_gelu=cfg.quick_gelu
    )
    if init:
        model = CLIP(**kwargs)
        return model.to(device) if device is not None else model
    with torch.device("meta"):
        model = CLIP(**kwargs)
    model = model.to_empty(device=device or "cpu")
    # The causal text mask is the only buffer; it is not saved, so rebuild it as open_clip does.
    if getattr(model, "attn_mask", None) is not None:
        n = model.attn_mask.shape[0]
        model.attn_mask = torch.full((n, n), float("-inf"), device=model.attn_mask.device).triu_(1)
    return model


# Keys some CLIP weight files carry that are not parameters (OpenAI's JIT archives).
_NON_PARAM_KEYS = ("input_resolution", "context_length", "vocab_size")


def load_clip_state_dict(path: Path | str) -> dict[str, torch.Tensor]:
    """Read CLIP weights from a local file: safetensors, a torch state dict (or a dict holding one
    under ``state_dict``), or an OpenAI TorchScript archive. Raises WeightsMissing/WeightsCorrupt."""
    path = Path(path)
    if not path.is_file():
        raise WeightsMissing(path, "CLIP weights file")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            sd = load_file(str(path))
        else:
            sd = _torch_load_state_dict(path)
    except (WeightsMissing, WeightsCorrupt):
        raise
    except Exception as exc:  # any parse failure means the file is unusable
        raise WeightsCorrupt(path, f"cannot read CLIP weights ({type(exc).__name__}: {exc})") from exc
    sd = {k.removeprefix("module."): v for k, v in sd.items() if k not in _NON_PARAM_KEYS}
    return sd


def _torch_load_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            is_jit = any(name.endswith("/constants.pkl") for name in zf.namelist())
        if is_jit:
            return torch.jit.load(str(path), map_location="cpu").state_dict()
    obj = torch.load(str(path), map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsCorrupt(path, "expected a state dict of tensors")
    return obj


@functools.cache
def _bpe_tokenizer() -> open_clip.tokenizer.SimpleTokenizer:
    # Reading the bundled BPE merges takes ~0.2 s; one instance per process is enough.
    return open_clip.tokenizer.SimpleTokenizer()


class CLIPTokenizer:
    """CLIP BPE tokenizer that truncates at the model's context length and says when it did.

    If the text tower's vocabulary is smaller than the BPE vocabulary (tiny demo models keep
    their token table small), ids are folded: ordinary tokens ``id % (V - 2)``, start ``V - 2``,
    end ``V - 1``, so the end token stays the largest id and open_clip's argmax pooling still
    finds it.
    """

    def __init__(self, context_length: int = 77, vocab_size: int = BPE_VOCAB_SIZE) -> None:
        if vocab_size > BPE_VOCAB_SIZE or vocab_size < 16:
            raise ValueError(f"vocab_size must be in 16..{BPE_VOCAB_SIZE}, got {vocab_size}")
        self.context_length = context_length
        self.vocab_size = vocab_size
        self._bpe = _bpe_tokenizer()

    @property
    def folded(self) -> bool:
        return self.vocab_size < BPE_VOCAB_SIZE

    def _fold(self, ids: list[int]) -> list[int]:
        if not self.folded:
            return ids
        sot, eot, v = self._bpe.sot_token_id, self._bpe.eot_token_id, self.vocab_size
        return [v - 2 if i == sot else v - 1 if i == eot else i % (v - 2) for i in ids]

    def __call__(self, texts: str | list[str]) -> tuple[torch.Tensor, list[bool]]:
        """Token ids [N, context_length] and, per text, whether it was cut to fit."""
        if isinstance(texts, str):
            texts = [texts]
        out = torch.zeros(len(texts), self.context_length, dtype=torch.long)
        truncated = []
        for row, text in enumerate(texts):
            ids = [self._bpe.sot_token_id, *self._bpe.encode(text), self._bpe.eot_token_id]
            cut = len(ids) > self.context_length
            if cut:
                ids = ids[: self.context_length]
                ids[-1] = self._bpe.eot_token_id
            ids = self._fold(ids)
            out[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            truncated.append(cut)
        return out, truncated


def encode_words(clip_model: CLIP, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The text tower once, for a generator that reads the words: the sentence embedding
    [B, embed_dim] (equal to ``encode_text(tokens, normalize=False)``), every token's output
    projected the same way [B, L, embed_dim], and [B, L] True where a position is past the
    end-of-text token. L is the longest caption of the batch, not the context length.

    The same steps as open_clip's ``CLIP.encode_text`` (causal mask included) with the pooling
    left out; only the argmax-pooled text tower of ``open_clip.model.CLIP`` is supported.
    """
    if getattr(clip_model, "text_pool_type", "argmax") != "argmax" or not hasattr(clip_model, "token_embedding"):
        raise ValueError("encode_words needs an open_clip CLIP whose text tower pools at the end-of-text token")
    cast_dtype = clip_model.transformer.get_cast_dtype()
    x = clip_model.token_embedding(tokens).to(cast_dtype) + clip_model.positional_embedding.to(cast_dtype)
    x = clip_model.ln_final(clip_model.transformer(x, attn_mask=clip_model.attn_mask))
    if clip_model.text_projection is not None:
        proj = clip_model.text_projection
        x = proj(x) if isinstance(proj, nn.Linear) else x @ proj
    end = tokens.argmax(dim=-1)  # the end-of-text token has the largest id (see CLIPTokenizer)
    sentence = x[torch.arange(x.shape[0], device=x.device), end]
    length = int(end.max()) + 1
    pad = torch.arange(length, device=tokens.device)[None] > end[:, None]
    return sentence, x[:, :length], pad


class CLIPTextEncoder(nn.Module):
    """GALIP's text encoder: the unnormalised projected end-of-text embedding [B, embed_dim].

    Goes through ``encode_text`` so open_clip applies the causal mask (calling the transformer
    directly would not).
    """

    def __init__(self, clip_model: CLIP) -> None:
        super().__init__()
        self.clip = clip_model
        self.tokenizer = CLIPTokenizer(clip_model.context_length, clip_model.vocab_size)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.clip.encode_text(tokens, normalize=False)

    def encode(self, texts: str | list[str]) -> tuple[torch.Tensor, list[bool]]:
        tokens, truncated = self.tokenizer(texts)
        device = self.clip.token_embedding.weight.device
        return self(tokens.to(device)), truncated

    def encode_words(self, texts: str | list[str]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, list[bool]]:
        """Sentence embeddings, token embeddings and padding (see ``encode_words``), truncation."""
        tokens, truncated = self.tokenizer(texts)
        device = self.clip.token_embedding.weight.device
        return (*encode_words(self.clip, tokens.to(device)), truncated)


class CLIPImageEncoder(nn.Module):
    """GALIP's CLIP_IMG_ENCODER: images in [-1, 1] -> (taps [B, n, C, gh, gw], global [B, embed_dim]).

    ``taps`` are the patch tokens after the blocks in ``tap_layers`` (class token dropped); the
    global embedding is ln_post(CLS) @ proj, the one CLIP scores use.

    ``preprocess``: ``"standard"`` maps [-1,1] to [0,1] and resizes with bicubic antialiasing;
    ``"galip"`` reproduces the official quirk (nearest resize and the [0,1] map applied twice
    in GALIP's code) for fine-tuning released discriminators.

    ``keep_grid=True`` runs images whose sides are multiples of the patch size at their own size
    (positional embedding resampled), which lets non-square native images be scored uncropped.
    """

    def __init__(
        self,
        clip_model: CLIP,
        tap_layers: tuple[int, ...] = (1, 4, 8),
        preprocess: str = "standard",
    ) -> None:
        super().__init__()
        if preprocess not in ("standard", "galip"):
            raise ValueError("preprocess must be 'standard' or 'galip'")
        self.visual = clip_model.visual
        layers = len(self.visual.transformer.resblocks)
        if any(not 0 <= t < layers for t in tap_layers):
            raise ValueError(f"tap_layers {tap_layers} out of range for a {layers}-block ViT")
        self.tap_layers = tuple(tap_layers)
        self.preprocess = preprocess
        self.image_size = self.visual.image_size[0]
        self.patch_size = self.visual.patch_size[0]
        # On the CLIP's device: an encoder built around a model already on the GPU works as it is.
        device = self.visual.conv1.weight.device
        self.register_buffer("mean", torch.tensor(CLIP_MEAN, device=device).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CLIP_STD, device=device).view(1, 3, 1, 1), persistent=False)

    def _prepare(self, images: torch.Tensor, keep_grid: bool) -> torch.Tensor:
        x = (images.float() + 1) * 0.5
        h, w = x.shape[-2:]
        size = self.image_size
        if self.preprocess == "galip":
            x = F.interpolate(x, size=(size, size), mode="nearest")
            x = (x + 1) * 0.5
        elif (h, w) != (size, size) and not (keep_grid and h % self.patch_size == 0 and w % self.patch_size == 0):
            x = F.interpolate(x, size=(size, size), mode="bicubic", align_corners=False, antialias=True)
        return (x - self.mean) / self.std

    def _tokens(self, images: torch.Tensor, keep_grid: bool) -> tuple[torch.Tensor, tuple[int, int]]:
        visual = self.visual
        dtype = visual.conv1.weight.dtype
        x = visual.conv1(self._prepare(images, keep_grid).to(dtype))  # [B, D, gh, gw]
        b, width, gh, gw = x.shape
        x = x.flatten(2).transpose(1, 2)
        cls_tok = visual.class_embedding.to(dtype).expand(b, 1, width)
        pos = grid_positional_embedding(visual.positional_embedding, (gh, gw)).to(dtype)
        return visual.ln_pre(torch.cat([cls_tok, x], dim=1) + pos), (gh, gw)

    def _global(self, x: torch.Tensor) -> torch.Tensor:
        pooled = self.visual.ln_post(x[:, 0])
        return pooled @ self.visual.proj if self.visual.proj is not None else pooled

    def forward(self, images: torch.Tensor, keep_grid: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        x, (gh, gw) = self._tokens(images, keep_grid)
        taps = []
        for i, block in enumerate(self.visual.transformer.resblocks):
            x = block(x)
            if i in self.tap_layers:
                taps.append(x[:, 1:].transpose(1, 2).reshape(x.shape[0], -1, gh, gw))
        return torch.stack(taps, dim=1).to(images.dtype), self._global(x).to(images.dtype)

    def embed(self, images: torch.Tensor, keep_grid: bool = False) -> torch.Tensor:
        """Only the global embedding (no taps kept)."""
        x, _ = self._tokens(images, keep_grid)
        for block in self.visual.transformer.resblocks:
            x = block(x)
        return self._global(x)
