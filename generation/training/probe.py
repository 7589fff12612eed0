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
from .evaluate import combo_checks
from .synthetic import LANGS, RENDERERS, caption, eval_items, sample_scene


def _fit(x: torch.Tensor, y: torch.Tensor, n_classes: int, steps: int = 300):
    """A logistic regression on standardised x; returns the function that predicts a class."""
    mean, std = x.mean(0), x.std(0) + 1e-5
    w = torch.zeros(x.shape[1], n_classes, requires_grad=True)
    b = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.Adam([w, b], lr=1e-2)
    for _ in range(steps):
        loss = F.cross_entropy((x - mean) / std @ w + b, y) + 1e-3 * w.pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    w, b = w.detach(), b.detach()
    return lambda v: ((v - mean) / std @ w + b).argmax(1)


def _fit_and_score(x: torch.Tensor, y: torch.Tensor, n_classes: int, n_train: int, steps: int = 300) -> float:
    predict = _fit(x[:n_train], y[:n_train], n_classes, steps)
    with torch.no_grad():
        return float((predict(x[n_train:]) == y[n_train:]).float().mean())


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


@torch.enable_grad()
def held_out_text_probe(
    bundle: ClipBundle, category: str, n_train: int = 1500, seed: int = 6_000_000
) -> dict[str, dict[str, float]]:
    """{held-out combination: {"text_en": accuracy, "text_zh": accuracy}}: can a linear read-out
    find each part of a combination the training data never shows in the caption's embedding?

    For each part (rice, in shrimp on rice) a probe is fitted on train-split captions that lack
    the other parts (no shrimp), so it cannot have learnt that the two never meet, and it reads
    the canonical captions of the evaluation's held-out scenes. High accuracy here with a low one
    on generated images puts a miss on the generator, not on the text tower."""
    renderer = RENDERERS[category]
    scenes = [sample_scene(category, seed + i, "train") for i in range(n_train)]
    labels = [renderer.labels(sc.attrs) for sc in scenes]
    items = [it for it in eval_items(category) if it.kind != "regular"]
    with torch.no_grad():
        train_emb = {lang: bundle.encode_texts([caption(sc, lang) for sc in scenes]).float() for lang in LANGS}
        test_emb = {lang: bundle.encode_texts([it.captions[lang] for it in items]).float() for lang in LANGS}
    values = {h.name: h.values for h in renderer.heads}
    hits: dict[str, dict[str, list[bool]]] = {}
    for h in renderer.holdouts:
        rows = [j for j, it in enumerate(items) if it.holdout == h.name]
        for key, value in h.match.items():
            checks = combo_checks(category, {key: value})
            if not checks:  # not a head of the classifier (the landscape's snow colour)
                continue
            [check] = checks
            head, label = check
            others = {k: v for k, v in h.match.items() if k != key}
            keep = [i for i, sc in enumerate(scenes) if not renderer.matches(sc.attrs, others)]
            y = torch.tensor([values[head].index(labels[i][head]) for i in keep])
            for lang in LANGS:
                predict = _fit(train_emb[lang][keep], y, len(values[head]))
                got = predict(test_emb[lang][rows]).eq(values[head].index(label)).tolist()
                hits.setdefault(h.name, {}).setdefault(f"text_{lang}", []).extend(got)
    return {name: {k: sum(v) / len(v) for k, v in by_lang.items()} for name, by_lang in hits.items()}
