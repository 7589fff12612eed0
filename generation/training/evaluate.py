"""Measures a model package on the fixed evaluation prompt set of its category.

- attribute accuracy: the attribute classifier (a CNN trained on renders, not the CLIP the model
  was trained with) reads each generated image; accuracy per attribute group, per prompt kind
  (regular, held-out combination, counterfactual) and per language;
- CLIP R-precision with the bundled CLIP: is the image's own prompt the top match among all
  prompts of the set;
- diversity: mean pairwise pixel distance between seeds of one prompt, divided by the same
  distance between renders of that prompt's scene with different layout seeds;
- the attribute groups again on the images blurred (Gaussian, sigma 1 px): G is trained against
  a CNN attribute reader (pixel_d), and a pattern that only fools CNNs is fine detail that a
  blur wipes out, while a drawn shape survives it (the classifier was trained with blur).

Images come from the engine (`Engine.load(...).render_native`), the same path the site uses.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image

from generation.engine import Engine
from generation.engine.sampler import sample_noise

from .attributes import AttributeClassifier, classifier_path
from .synthetic import LANGS, RENDERERS, EvalItem, Scene, eval_items, render

# Which classifier heads make up each reported group, per category. For food the objects are
# the vessel, the base and every ingredient the prompt names (read by its has_<ingredient> head).
GROUPS: dict[str, dict[str, list[str]]] = {
    "landscape": {
        "time_of_day": ["time"],
        "colours": ["body_colour", "season", "snow"],
        "main_objects": ["mountains", "water", "trees"],
    },
    "food": {"colours": ["table"], "main_objects": ["vessel", "base", "named_ingredients"]},
    "anime": {
        "colours": ["hair_colour", "eye_colour", "background"],
        "main_objects": ["hair_style", "accessory"],
        "expression": ["expression"],
    },
}


def expected(category: str, attrs: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(reported name, classifier head, expected label) for everything a prompt states."""
    labels = RENDERERS[category].labels(attrs)
    out = [(h, h, labels[h]) for h in labels if not h.startswith("has_") and h != "main"]
    if category == "food":
        out += [("named_ingredients", f"has_{k}", "yes") for k, _ in attrs["ingredients"]]
    return out


def combo_checks(category: str, match: dict[str, str]) -> list[tuple[str, str]]:
    """(classifier head, expected label) for the attributes that make a held-out combination."""
    heads = {h.name for h in RENDERERS[category].heads}
    out = []
    for key, value in match.items():
        if key == "main":
            out.append((f"has_{value}", "yes"))
        elif key in heads:
            out.append((key, value))
    return out


@dataclass
class EvalReport:
    model: str
    category: str
    n_images: int
    groups: dict[str, float] = field(default_factory=dict)  # regular prompts, both languages
    per_head: dict[str, float] = field(default_factory=dict)
    by_lang: dict[str, dict[str, float]] = field(default_factory=dict)
    heldout: float = 0.0  # accuracy on the attributes named by held-out combinations
    counterfactual: float = 0.0
    heldout_by_lang: dict[str, float] = field(default_factory=dict)
    counterfactual_by_lang: dict[str, float] = field(default_factory=dict)
    by_combination: dict[str, float] = field(default_factory=dict)  # held-out combination -> accuracy
    r_precision: float = 0.0
    r_candidates: int = 0
    diversity_ratio: float = 0.0
    diversity_generated: float = 0.0
    diversity_real: float = 0.0
    groups_blurred: dict[str, float] = field(default_factory=dict)  # `groups`, images blurred (sigma 1 px)
    real_groups: dict[str, float] = field(default_factory=dict)  # the classifier on real renders
    grid_prompts: list[str] = field(default_factory=list)  # the rows of the sample grid, in order

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _to_tensor(images: list[Image.Image]) -> torch.Tensor:
    arr = np.stack([np.asarray(im.convert("RGB")) for im in images])
    return torch.from_numpy(arr).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def pairwise_distance(images: torch.Tensor) -> float:
    d = [(a - b).abs().mean().item() for a, b in itertools.combinations(images, 2)]
    return float(np.mean(d)) if d else 0.0


@torch.no_grad()
def evaluate_package(
    package: str | Path,
    *,
    seeds: int = 4,
    items: list[EvalItem] | None = None,
    classifier: AttributeClassifier | None = None,
    grid_path: str | Path | None = None,
    models_dir: str | Path | None = None,
) -> EvalReport:
    engine = (
        Engine.load(str(package), device="cpu")
        if models_dir is None
        else Engine.load(str(package), device="cpu", models_dir=models_dir)
    )
    category = engine.manifest.category
    renderer = RENDERERS[category]
    clf = classifier or AttributeClassifier.load(classifier_path(category))
    items = items if items is not None else eval_items(category)
    correct: dict[tuple[str, str, str], list[bool]] = {}  # (kind, lang, reported name) -> hits
    correct_blurred: dict[tuple[str, str, str], list[bool]] = {}  # the same, images blurred
    combo_hits: dict[tuple[str, str], list[bool]] = {}  # (kind, lang) -> hits on the combo's attributes
    by_combination: dict[str, list[bool]] = {}  # the same hits, by combination
    gen_div, real_div = [], []
    all_images, all_prompts = [], []
    grid_rows: list[torch.Tensor] = []
    grid_prompts: list[str] = []
    # Grid rows: three regular prompts in both languages, then one of each held-out combination.
    regular = [i for i, it in enumerate(items) if it.kind == "regular"][:3]
    first_of = {it.holdout: i for i, it in reversed(list(enumerate(items))) if it.kind != "regular"}
    in_grid = {(i, lang) for i in regular for lang in LANGS} | {(i, "en") for i in first_of.values()}
    for n_item, item in enumerate(items):
        wanted = expected(category, item.scene.attrs)
        for lang in LANGS:
            prompt = item.captions[lang]
            cond, _ = engine.encode_text(prompt)
            noise = sample_noise(1000 + n_item, seeds, engine.manifest.arch.netG.nz)
            images = engine.render_native(noise, cond, words=engine.encode_words(prompt)).cpu()
            preds = clf.predict(images)
            blurred = clf.predict(TF.gaussian_blur(images, [5, 5], [1.0, 1.0]))
            for name, head, label in wanted:
                correct.setdefault((item.kind, lang, name), []).extend(p == label for p in preds[head])
                correct_blurred.setdefault((item.kind, lang, name), []).extend(p == label for p in blurred[head])
            if item.kind != "regular":
                h = next(x for x in renderer.holdouts if x.name == item.holdout)
                for head, label in combo_checks(category, h.match):
                    got = [p == label for p in preds[head]]
                    combo_hits.setdefault((item.kind, lang), []).extend(got)
                    by_combination.setdefault(h.name, []).extend(got)
            gen_div.append(pairwise_distance(images))
            all_images.append(images)
            all_prompts.append(prompt)
            if grid_path is not None and (n_item, lang) in in_grid:
                grid_rows.append(torch.cat(list(images), dim=2))
                grid_prompts.append(prompt)
        reals = _real_renders(item.scene, seeds)
        real_div.append(pairwise_distance(reals))

    # CLIP R-precision (R = 1): the image's own prompt must be the best of all prompts of the set.
    prompts_emb = F.normalize(torch.cat([engine.encode_text(p)[0][None] for p in all_prompts]).float(), dim=-1)
    hits = []
    for i, images in enumerate(all_images):
        emb = F.normalize(engine.image_encoder.embed(images).float(), dim=-1)
        hits.extend((emb @ prompts_emb.T).argmax(1).eq(i).tolist())

    def acc(kind: str, lang: str | None, names: list[str], table=correct) -> float:
        vals = [
            v
            for (k, lg, h), hs in table.items()
            if k == kind and (lang is None or lg == lang) and h in names
            for v in hs
        ]
        return float(np.mean(vals)) if vals else float("nan")

    report = EvalReport(model=engine.manifest.name, category=category, n_images=sum(len(x) for x in all_images))
    report.groups = {g: acc("regular", None, names) for g, names in GROUPS[category].items()}
    report.groups_blurred = {g: acc("regular", None, names, correct_blurred) for g, names in GROUPS[category].items()}
    report.per_head = {name: acc("regular", None, [name]) for name in dict.fromkeys(n for n, _, _ in wanted)}
    report.by_lang = {lang: {g: acc("regular", lang, names) for g, names in GROUPS[category].items()} for lang in LANGS}
    for kind in ("heldout", "counterfactual"):
        vals = {lang: combo_hits.get((kind, lang), []) for lang in LANGS}
        flat = [v for vs in vals.values() for v in vs]
        setattr(report, kind, float(np.mean(flat)) if flat else float("nan"))
        setattr(report, f"{kind}_by_lang", {lang: float(np.mean(v)) if v else float("nan") for lang, v in vals.items()})
    report.by_combination = {name: float(np.mean(v)) for name, v in by_combination.items()}
    report.r_precision = float(np.mean(hits))
    report.r_candidates = len(all_prompts)
    report.diversity_generated = float(np.mean(gen_div))
    report.diversity_real = float(np.mean(real_div))
    report.diversity_ratio = report.diversity_generated / max(1e-9, report.diversity_real)
    report.real_groups = _real_accuracy(category, items, clf)
    report.grid_prompts = grid_prompts
    if grid_path is not None and grid_rows:
        grid = torch.cat(grid_rows, dim=1).add(1).mul(127.5).round().clamp(0, 255).byte().permute(1, 2, 0).numpy()
        Image.fromarray(grid).save(grid_path)
        shrink_png(grid_path)
    return report


def _real_renders(scene: Scene, n: int) -> torch.Tensor:
    images = []
    for k in range(n):
        attrs = dict(scene.attrs)
        if scene.category == "anime":  # the outfit is not in the caption: let it vary as it does in data
            rng = np.random.default_rng([scene.seed, k, 5])
            attrs["outfit"] = tuple(int(v) for v in rng.integers(30, 230, 3))
        images.append(render(Scene(scene.category, attrs, scene.seed * 100 + k + 1), 64))
    return _to_tensor(images)


def _real_accuracy(category: str, items: list[EvalItem], clf: AttributeClassifier) -> dict[str, float]:
    """The classifier's own accuracy on renders of the regular prompts: the ceiling to compare with."""
    regular = [it for it in items if it.kind == "regular"]
    x = _to_tensor([render(Scene(category, it.scene.attrs, it.scene.seed + 7), 64) for it in regular])
    preds = clf.predict(x)
    out = {}
    for g, names in GROUPS[category].items():
        vals = [
            preds[head][i] == label
            for i, it in enumerate(regular)
            for name, head, label in expected(category, it.scene.attrs)
            if name in names
        ]
        out[g] = float(np.mean(vals))
    return out


def write_reports(reports: list[EvalReport], path: str | Path) -> None:
    Path(path).write_text(json.dumps([r.to_dict() for r in reports], indent=1, ensure_ascii=False))


# The prompts of docs/demo-<category>-showcase.png (`python -m generation.training showcase`).
SHOWCASE_PROMPTS: dict[str, list[str]] = {
    "landscape": [
        "a landscape at sunset in autumn with snow-capped mountains and a lake",
        "a landscape at night in winter with a forest",
        "a landscape at noon in summer with a green sun and the sea",
        "黄昏时的风景，有雪山和湖泊",
    ],
    "food": [
        "a bowl of noodles topped with two eggs and three shrimp on a wooden table",
        "a plate with four strawberries on a blue tablecloth",
        "Tomato egg rice; rice, tomato, egg",
        "红色桌布上的一碗米饭，上面有三朵西兰花",
    ],
    "anime": [
        "an anime girl with long pink hair and blue eyes, smiling, on a white background",
        "an anime girl with short blue hair and green eyes, wearing glasses, at night",
        "an anime girl with long blonde hair and red eyes, with cat ears, against a blue sky",
        "金色双马尾、红色眼睛的动漫少女，微笑，背景是森林",
    ],
}


def shrink_png(path: str | Path, colours: int = 192) -> None:
    """Palette-quantize a documentation PNG in place (a fraction of the bytes, same look)."""
    Image.open(path).convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def showcase_grid(
    package: str | Path,
    path: str | Path,
    prompts: list[str] | None = None,
    *,
    size: int = 256,
    thumb: int = 128,
    seeds: tuple[int, ...] = (1, 2),
) -> Path:
    """Prompts (default: SHOWCASE_PROMPTS of the package's category) × seeds generated through
    `Engine.generate` at `size` (super-resolution included), shrunk to `thumb` px tiles."""
    from generation.engine import GenerationRequest

    engine = Engine.load(str(package), device="cpu")
    prompts = prompts or SHOWCASE_PROMPTS[engine.manifest.category]
    tiles = []
    for prompt in prompts:
        for seed in seeds:
            [out] = engine.generate(GenerationRequest(prompt, width=size, height=size, seed=seed))
            tiles.append(out.image.resize((thumb, thumb), Image.Resampling.LANCZOS))
    cols = len(seeds) * 2
    rows = (len(tiles) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * thumb, rows * thumb), (255, 255, 255))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % cols) * thumb, (i // cols) * thumb))
    sheet.save(path, optimize=True)
    return Path(path)
