"""Writes a synthetic category's vocabulary into a package, with a small sample picture of each
term drawn by the package's own model (what the site's model card shows).

Run at export (pipeline.export_packages) and, once, on the committed demo packages:
``python -m generation.training vocabulary models/demo-food`` (no retraining: the weights are
only read).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generation.engine.manifest import MANIFEST_NAME

from .synthetic.vocabulary import vocabulary

SAMPLES_DIR = "samples"
SAMPLE_SIZE = 128  # shown on the card at this size; the engine draws at 256 and it is halved
SAMPLE_SEED = 7


def add_vocabulary(
    package_dir: Path | str, category: str, *, pictures: bool = True, log: Any = print
) -> dict[str, Any]:
    """Write `vocabulary` into the package's model.json and (with `pictures`) one WebP per term
    under samples/. Returns the vocabulary written."""
    folder = Path(package_dir)
    path = folder / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    vocab = vocabulary(category)
    if pictures:
        _draw_samples(folder, vocab, log)
    data["vocabulary"] = vocab
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    log(f"[vocabulary] {folder.name}: {sum(len(g['terms']) for g in vocab['groups'])} terms")
    return vocab


def _draw_samples(folder: Path, vocab: dict[str, Any], log: Any) -> None:
    from generation.engine import Engine, GenerationRequest

    engine = Engine.load(folder, device="cpu")
    out = folder / SAMPLES_DIR
    out.mkdir(exist_ok=True)
    for group in vocab["groups"]:
        for term in group["terms"]:
            example = term.get("example")
            if not example:
                continue
            name = f"{group['name']}-{term['id']}.webp"
            request = GenerationRequest(example["en"], width=256, height=256, seed=SAMPLE_SEED)
            image = engine.generate(request)[0].image.resize((SAMPLE_SIZE, SAMPLE_SIZE))
            image.save(out / name, "WEBP", quality=82, method=6)
            term["sample"] = {"path": f"{SAMPLES_DIR}/{name}", "prompt": example["en"], "seed": SAMPLE_SEED}
    log(f"[vocabulary] {folder.name}: sample pictures in {out}")


__all__ = ["SAMPLES_DIR", "add_vocabulary"]
