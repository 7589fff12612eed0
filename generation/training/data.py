"""Image–caption pairs from a folder or a JSONL file, the one path for synthetic and real data.

Accepted layouts:
- JSONL: one object per line with "image" (path relative to the file) and "caption" (string)
  or "captions" (list; one is drawn per fetch, as GALIP does). Extra keys are kept as metadata.
- Folder: every image file with a sidecar of the same stem and suffix .txt, one caption per line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")


@dataclass
class Pair:
    image: Path
    captions: list[str]
    meta: dict[str, Any] = field(default_factory=dict)


def read_pairs(source: str | Path) -> list[Pair]:
    """All pairs of a JSONL file or a folder; raises with the path when nothing usable is found."""
    source = Path(source)
    if source.is_dir() and (source / "captions.jsonl").exists():
        source = source / "captions.jsonl"
    pairs: list[Pair] = []
    if source.is_file():
        root = source.parent
        for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            caps = row.get("captions") or ([row["caption"]] if "caption" in row else [])
            if "image" not in row or not caps:
                raise ValueError(f"{source}:{n}: needs 'image' and 'caption' or 'captions'")
            meta = {k: v for k, v in row.items() if k not in ("image", "caption", "captions")}
            pairs.append(Pair(root / row["image"], [str(c) for c in caps], meta))
    elif source.is_dir():
        for img in sorted(p for p in source.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES):
            txt = img.with_suffix(".txt")
            if txt.exists():
                caps = [c.strip() for c in txt.read_text(encoding="utf-8").splitlines() if c.strip()]
                if caps:
                    pairs.append(Pair(img, caps))
    else:
        raise FileNotFoundError(f"no data set at {source} (expected a .jsonl file or a folder)")
    if not pairs:
        raise ValueError(f"no image-caption pairs found in {source}")
    return pairs


def write_pairs(pairs: Iterable[Pair], path: str | Path) -> None:
    path = Path(path)
    with path.open("w", encoding="utf-8") as f:
        for p in pairs:
            rel = Path(p.image).resolve().relative_to(path.parent.resolve())
            f.write(json.dumps({"image": str(rel), "captions": p.captions, **p.meta}, ensure_ascii=False) + "\n")


def pair_weights(pairs: list[Pair], oversample: dict[str, dict[str, float]]) -> np.ndarray:
    """How often each pair is drawn, relative to the others (data.oversample): the product of the
    weights of its scene's attribute values (1 where none is named). A list attribute has a value
    when one of its entries is the value or starts with it (food's ingredients, [["egg", 2], ...]).
    Raises naming a weight for an attribute value that no pair's scene has: it would oversample
    nothing."""
    weights = np.ones(len(pairs))
    for attr, values in oversample.items():
        for value, weight in values.items():
            has = np.array([_has_value(p.meta.get("scene", {}).get("attrs", {}).get(attr), value) for p in pairs])
            if not has.any():
                raise ValueError(f"data.oversample.{attr}.{value}: no scene of the data has {attr} = {value!r}")
            weights[has] *= weight
    return weights


def _has_value(attr: Any, value: str) -> bool:
    if isinstance(attr, list):
        return any(entry == value or (isinstance(entry, list) and entry[:1] == [value]) for entry in attr)
    return bool(attr == value)


def load_image(path: str | Path, size: int) -> np.ndarray:
    """uint8 HWC at size×size: centre crop to square, then resize (Lanczos)."""
    with Image.open(path) as file:
        im = file.convert("RGB")
        w, h = im.size
        s = min(w, h)
        if w != h:
            im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s))
        if s != size:
            im = im.resize((size, size), Image.Resampling.LANCZOS)
        return np.array(im, dtype=np.uint8)  # a writable copy: torch.from_numpy needs one
