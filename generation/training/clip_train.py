"""Contrastive training of a small CLIP (open_clip custom config) on image–caption pairs.

The demo models cannot download CLIP weights, so they bring their own: a tiny ViT and text
tower trained here with the symmetric InfoNCE loss of CLIP. The result is an ordinary open_clip
state dict that the engine's `build_clip` + `load_state_dict` read back.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from open_clip.model import CLIP
from safetensors.torch import load_file, save_file

from generation.engine.clip import CLIPConfig, CLIPImageEncoder, CLIPTokenizer, build_clip, encode_words

from .config import ClipTrainConfig, TextTuneConfig
from .data import Pair, load_image


class AttributeHeads(torch.nn.Module):
    """Linear read-outs of scene attributes, one per (category, attribute), shared by the image
    and the text embedding so both towers lay the attributes out the same way."""

    def __init__(self, embed_dim: int, heads: list[tuple[str, int]]) -> None:
        super().__init__()
        self.linears = torch.nn.ModuleList(torch.nn.Linear(embed_dim, n) for _, n in heads)

    def loss(self, emb: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over the heads that have labels in the batch (label -1 = none)."""
        terms = []
        for j, linear in enumerate(self.linears):
            has = labels[:, j] >= 0
            if has.any():
                # normalized embeddings are short; the factor gives the logits a usable range
                terms.append(F.cross_entropy(linear(emb[has] * 10.0), labels[has, j]))
        return torch.stack(terms).mean() if terms else emb.new_zeros(())


def attribute_targets(pairs: list[Pair]) -> tuple[list[tuple[str, int]], torch.Tensor]:
    """The heads of every synthetic category and a [pairs, heads] table of class indices from the
    scene each pair's metadata carries (-1 for other categories' heads and for pairs without one,
    such as real data)."""
    from .synthetic import RENDERERS, Scene

    heads = [(f"{cat}/{h.name}", len(h.values)) for cat, r in RENDERERS.items() for h in r.heads]
    column = {name: j for j, (name, _) in enumerate(heads)}
    labels = torch.full((len(pairs), len(heads)), -1, dtype=torch.long)
    for i, pair in enumerate(pairs):
        if not isinstance(pair.meta.get("scene"), dict):
            continue
        scene = Scene.from_json(pair.meta["scene"])
        renderer = RENDERERS[scene.category]
        found = renderer.labels(scene.attrs)
        for h in renderer.heads:
            labels[i, column[f"{scene.category}/{h.name}"]] = h.values.index(found[h.name])
    return heads, labels


def clip_config(cfg: ClipTrainConfig) -> CLIPConfig:
    return CLIPConfig(arch="custom", embed_dim=cfg.embed_dim, vision_cfg=dict(cfg.vision), text_cfg=dict(cfg.text))


class ClipBundle:
    """A CLIP model with its tokenizer and image encoder, as the trainer uses it."""

    def __init__(self, config: CLIPConfig, model: CLIP) -> None:
        self.config = config
        self.model = model
        self.tokenizer = CLIPTokenizer(config.context_length, config.vocab_size)

    def tokens(self, texts: list[str]) -> torch.Tensor:
        return self.tokenizer(texts)[0]

    @torch.no_grad()
    def encode_texts(self, texts: list[str], batch: int = 256) -> torch.Tensor:
        """Unnormalised sentence embeddings (what GALIP conditions on)."""
        device = next(self.model.parameters()).device
        outs = [
            self.model.encode_text(self.tokens(texts[i : i + batch]).to(device), normalize=False)
            for i in range(0, len(texts), batch)
        ]
        return torch.cat(outs).float()

    @torch.no_grad()
    def encode_words(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Token embeddings [N, L, embed_dim] and padding [N, L] (for a G with word_attn)."""
        return self.encode_word_tokens(self.tokens(texts))

    @torch.no_grad()
    def encode_word_tokens(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """`encode_words` of texts already tokenized (`tokens`)."""
        device = next(self.model.parameters()).device
        _, words, pad = encode_words(self.model, tokens.to(device))
        return words.float(), pad

    def image_encoder(self, tap_layers: tuple[int, ...]) -> CLIPImageEncoder:
        return CLIPImageEncoder(self.model, tap_layers)

    @torch.no_grad()
    def encode_images(self, images: torch.Tensor, batch: int = 256) -> torch.Tensor:
        enc = CLIPImageEncoder(self.model, (0,))
        return torch.cat([enc.embed(images[i : i + batch]) for i in range(0, len(images), batch)]).float()

    def save(self, out_dir: str | Path) -> Path:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().float().contiguous() for k, v in self.model.state_dict().items()}
        save_file(state, str(out / "clip.safetensors"))
        (out / "clip.json").write_text(json.dumps(self.config.to_dict(), indent=1))
        return out / "clip.safetensors"

    @classmethod
    def load(cls, out_dir: str | Path, device: str = "cpu") -> ClipBundle:
        out = Path(out_dir)
        config = CLIPConfig.from_dict(json.loads((out / "clip.json").read_text()))
        model = build_clip(config, device=device)
        model.load_state_dict({k: v.float() for k, v in load_file(str(out / "clip.safetensors")).items()})
        model.eval().requires_grad_(False)
        return cls(config, model)


def _images(pairs: list[Pair], size: int) -> torch.Tensor:
    arr = np.stack([load_image(p.image, size) for p in pairs])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()  # uint8


def retrieval_accuracy(bundle: ClipBundle, images: torch.Tensor, captions: list[str]) -> float:
    """Top-1 image→text accuracy among the given pairs (R-precision with R=1 at batch level)."""
    bundle.model.eval()
    im = F.normalize(bundle.encode_images(images.float().div(127.5).sub(1)), dim=-1)
    tx = F.normalize(bundle.encode_texts(captions), dim=-1)
    return float((im @ tx.T).argmax(1).eq(torch.arange(len(captions))).float().mean())


def soft_contrastive_loss(logits: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
    """CLIP's symmetric cross-entropy over an image-text logit matrix, with every pair that
    `same` marks (a bool matrix) as a positive, the target spread evenly over them."""
    same = same.float().to(logits.device)
    target = same / same.sum(1, keepdim=True)
    return 0.5 * (
        torch.sum(-target * logits.log_softmax(1), 1).mean() + torch.sum(-target * logits.T.log_softmax(1), 1).mean()
    )


def train_clip(
    cfg: ClipTrainConfig,
    pairs: list[Pair],
    out_dir: str | Path,
    *,
    eval_pairs: list[Pair] | None = None,
    seed: int = 0,
    device: str = "cpu",
    log=print,
) -> ClipBundle:
    """Train and save to out_dir/clip.safetensors; resumes from out_dir/clip_ckpt.pt if present."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    config = clip_config(cfg)
    model = build_clip(config, device=device)
    bundle = ClipBundle(config, model)
    size = config.image_size
    images = _images(pairs, size)
    # Every caption of every image is tokenized once; an image draws one of its own per step.
    caps = [c for p in pairs for c in p.captions]
    owner = torch.tensor([i for i, p in enumerate(pairs) for _ in p.captions])
    tokens = bundle.tokens(caps)
    first = torch.zeros(len(pairs), dtype=torch.long)
    count = torch.zeros(len(pairs), dtype=torch.long)
    for j, i in enumerate(owner.tolist()):
        if count[i] == 0:
            first[i] = j
        count[i] += 1
    ev_images = _images(eval_pairs, size) if eval_pairs else None
    ev_caps = [p.captions[0] for p in eval_pairs] if eval_pairs else []

    head_specs, attr_labels = attribute_targets(pairs)
    use_attrs = cfg.attr_w > 0 and bool((attr_labels >= 0).any())
    heads = AttributeHeads(config.embed_dim, head_specs).to(device)
    if use_attrs:
        log(f"[clip] attribute terms on for {int((attr_labels >= 0).any(1).sum())} of {len(pairs)} pairs")

    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embedding" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embedding" not in n)]
    no_decay += list(heads.parameters()) if use_attrs else []
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=cfg.lr,
        betas=(0.9, 0.98),
        eps=1e-6,
    )
    start = 0
    ckpt = out / "clip_ckpt.pt"
    if ckpt.exists():
        state = torch.load(ckpt, map_location=device, weights_only=False)
        model.load_state_dict(state["model"])
        if "heads" in state:
            heads.load_state_dict(state["heads"])
        opt.load_state_dict(state["opt"])
        start = state["step"]
        log(f"[clip] resumed at step {start}")

    def lr_at(step: int) -> float:
        if step < cfg.warmup:
            return cfg.lr * (step + 1) / cfg.warmup
        t = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
        return cfg.lr * 0.5 * (1 + math.cos(math.pi * t))

    g = torch.Generator().manual_seed(seed + start)
    t0 = time.time()
    for step in range(start, cfg.steps):
        model.train()
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        idx = torch.randperm(len(pairs), generator=g)[: cfg.batch_size]
        pick = first[idx] + (torch.rand(len(idx), generator=g) * count[idx]).long()
        x = images[idx].float().div(127.5).sub(1).to(device)
        enc = CLIPImageEncoder(model, (0,))
        im = F.normalize(enc.embed(x), dim=-1)
        tx = F.normalize(model.encode_text(tokens[pick].to(device)), dim=-1)
        logits = model.logit_scale.exp().clamp(max=100) * im @ tx.T
        # Pairs that share a caption are both positives: soft targets over identical captions.
        loss = soft_contrastive_loss(logits, (tokens[pick][:, None, :] == tokens[pick][None, :, :]).all(-1))
        attr_loss = torch.zeros(())
        if use_attrs:
            lab = attr_labels[idx].to(device)
            attr_loss = 0.5 * (heads.loss(im, lab) + heads.loss(tx, lab))
            loss = loss + cfg.attr_w * attr_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if (step + 1) % cfg.eval_every == 0 or step + 1 == cfg.steps:
            msg = f"[clip] step {step + 1}/{cfg.steps} loss {loss.item():.3f} attr {attr_loss.item():.3f}"
            msg += f" {time.time() - t0:.0f}s"
            if ev_images is not None:
                msg += f" eval top1 {retrieval_accuracy(bundle, ev_images[:256], ev_caps[:256]):.3f}"
            log(msg)
            state = {
                "model": model.state_dict(),
                "heads": heads.state_dict(),
                "opt": opt.state_dict(),
                "step": step + 1,
            }
            torch.save(state, out / "clip_ckpt.tmp")
            (out / "clip_ckpt.tmp").replace(ckpt)
    model.eval().requires_grad_(False)
    bundle.save(out)
    return bundle


def text_parameters(model: torch.nn.Module) -> dict[str, torch.nn.Parameter]:
    """The text tower's parameters by name (everything but the image tower and the logit scale)."""
    return {n: p for n, p in model.named_parameters() if not n.startswith("visual.") and n != "logit_scale"}


def retune_text(
    bundle: ClipBundle,
    pairs: list[Pair],
    cfg: TextTuneConfig,
    *,
    seed: int = 0,
    device: str = "cpu",
    log=print,
) -> ClipBundle:
    """A copy of `bundle` whose text tower also lays out what the image tower cannot read.

    Trained contrastively with one set of heads shared by both towers, a small CLIP's sentence
    embedding moves far for a colour word and hardly at all for a word its image side cannot see
    at 64 px (an expression, an accessory), so a generator conditioned on it cannot tell
    "smiling" from "angry". Here only the text tower trains, on three terms: attribute read-outs
    of its own (cross-entropy, weight attr_w), the contrastive loss against the frozen image
    embeddings (so retrieval holds), and a pull towards the old unnormalised embeddings
    (keep_w, relative squared distance) so that a generator trained on them keeps what it knows.
    The image tower is not touched: GALIP's D reads the same features as before.
    """
    torch.manual_seed(seed)
    model = build_clip(bundle.config, device=device)
    model.load_state_dict(bundle.model.state_dict())
    new = ClipBundle(bundle.config, model)
    head_specs, attr_labels = attribute_targets(pairs)
    has = (attr_labels >= 0).any(1)
    if not bool(has.any()):
        log("[clip] no pair carries a synthetic scene: the text tower is kept as it is")
        return new
    pairs = [p for p, h in zip(pairs, has.tolist(), strict=True) if h]
    attr_labels = attr_labels[has]
    caps = [c for p in pairs for c in p.captions]
    owner = torch.tensor([i for i, p in enumerate(pairs) for _ in p.captions])
    tokens = new.tokens(caps)
    old = bundle.encode_texts(caps).to(device)
    old_sq = old.pow(2).sum(1).mean()
    image_emb = F.normalize(
        bundle.encode_images(_images(pairs, bundle.config.image_size).float().div(127.5).sub(1)), dim=-1
    )
    heads = AttributeHeads(bundle.config.embed_dim, head_specs).to(device)
    model.requires_grad_(False)
    params = list(text_parameters(model).values())
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW([*params, *heads.parameters()], lr=cfg.lr, weight_decay=0.0)
    g = torch.Generator().manual_seed(seed)
    scale = model.logit_scale.exp().clamp(max=100).detach()
    t0 = time.time()
    for step in range(cfg.steps):
        model.train()
        pick = torch.randperm(len(caps), generator=g)[: cfg.batch_size]
        tx = model.encode_text(tokens[pick].to(device), normalize=False)
        txn = F.normalize(tx, dim=-1)
        im = image_emb[owner[pick]].to(device)
        # captions of one image are all its positives
        contrast = soft_contrastive_loss(scale * im @ txn.T, owner[pick][:, None] == owner[pick][None, :])
        attr = heads.loss(txn, attr_labels[owner[pick]].to(device))
        keep = (tx - old[pick]).pow(2).sum(1).mean() / old_sq
        loss = contrast + cfg.attr_w * attr + cfg.keep_w * keep
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if (step + 1) % cfg.log_every == 0 or step + 1 == cfg.steps:
            log(
                f"[clip] text retune {step + 1}/{cfg.steps}: contrast {contrast.item():.3f} attr {attr.item():.3f}"
                f" keep {keep.item():.4f} ({time.time() - t0:.0f}s)"
            )
    model.eval().requires_grad_(False)
    return new
