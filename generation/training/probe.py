"""Linear probes: how much of each synthetic attribute a CLIP's embeddings carry.

GALIP's generator is conditioned on the CLIP text embedding, and its discriminator and CLIP
similarity term read the CLIP image features. An attribute that a linear read-out cannot find
in those embeddings is one the GAN has no signal for, however long it trains. The probe renders
labelled scenes, embeds them (image) and their canonical captions (text), fits a logistic
regression per attribute on one part and reports its accuracy on the rest.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .attributes import labelled_scenes, render_labelled
from .clip_train import ClipBundle
from .synthetic import LANGS, RENDERERS, caption


def _fit_and_score(x: torch.Tensor, y: torch.Tensor, n_classes: int, n_train: int, steps: int = 300) -> float:
    mean, std = x[:n_train].mean(0), x[:n_train].std(0) + 1e-5
    x = (x - mean) / std
    w = torch.zeros(x.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(steps):
        loss = F.cross_entropy(x[:n_train] @ w + b, y[:n_train]) + 1e-3 * w.pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(((x[n_train:] @ w + b).argmax(1) == y[n_train:]).float().mean())


@torch.enable_grad()
def attribute_probe(
    bundle: ClipBundle, category: str, n_train: int = 1500, n_test: int = 500, seed: int = 5_000_000
) -> dict[str, dict[str, float]]:
    """{attribute: {"image": accuracy, "text_en": accuracy, "text_zh": accuracy}} on held-back scenes."""
    n = n_train + n_test
    images, labels = render_labelled(category, n, seed)
    with torch.no_grad():
        feats = {"image": bundle.encode_images(images)}
        scenes = labelled_scenes(category, n, seed)
        for lang in LANGS:
            feats[f"text_{lang}"] = bundle.encode_texts([caption(s, lang) for s in scenes])
    return {
        h.name: {k: _fit_and_score(v.float(), labels[h.name], len(h.values), n_train) for k, v in feats.items()}
        for h in RENDERERS[category].heads
    }
