"""Screening of image–caption pairs with CLIP, as the InstantPainting paper does for its data:
score every pair, drop those that do not match, and say which were dropped and why.

Two tests, both on the cosine between a pair's image and caption embeddings:
- absolute: below `threshold` the caption does not describe the image at all;
- relative: the image's own caption must beat at least `min_rank_fraction` of a sample of
  other captions. Small CLIPs give all pairs of a domain similar cosines, so the relative test
  is what catches a caption that belongs to another picture.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .clip_train import ClipBundle
from .config import ScreenConfig
from .data import Pair, load_image


@dataclass
class ScreenResult:
    kept: list[Pair]
    dropped: list[dict]  # {"image", "caption", "score", "rank_fraction", "reason"}
    scores: list[float]

    def summary(self) -> dict:
        reasons: dict[str, int] = {}
        for d in self.dropped:
            reasons[d["reason"]] = reasons.get(d["reason"], 0) + 1
        return {
            "total": len(self.kept) + len(self.dropped),
            "kept": len(self.kept),
            "dropped": len(self.dropped),
            "reasons": reasons,
        }


@torch.no_grad()
def screen_pairs(
    pairs: list[Pair], clip: ClipBundle, cfg: ScreenConfig, *, n_negatives: int = 64, batch: int = 256, seed: int = 0
) -> ScreenResult:
    """Score each pair's first caption (the one a data set author wrote first) against its image."""
    size = clip.config.image_size
    device = next(clip.model.parameters()).device
    img_emb, txt_emb = [], []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i : i + batch]
        x = torch.stack([torch.from_numpy(load_image(p.image, size)) for p in chunk]).permute(0, 3, 1, 2)
        img_emb.append(F.normalize(clip.encode_images(x.float().div(127.5).sub(1).to(device)), dim=-1))
        txt_emb.append(F.normalize(clip.encode_texts([p.captions[0] for p in chunk]), dim=-1))
    im, tx = torch.cat(img_emb).cpu(), torch.cat(txt_emb).cpu()  # the ranking below runs on the CPU
    scores = (im * tx).sum(-1)
    g = torch.Generator().manual_seed(seed)
    n = len(pairs)
    neg = torch.randint(0, n, (n, min(n_negatives, max(1, n - 1))), generator=g)
    neg_scores = torch.einsum("nd,nkd->nk", im, tx[neg])
    valid = neg != torch.arange(n)[:, None]
    beaten = ((neg_scores < scores[:, None]) & valid).sum(1).float() / valid.sum(1).clamp_min(1).float()
    kept, dropped = [], []
    for p, s, r in zip(pairs, scores.tolist(), beaten.tolist(), strict=True):
        if s < cfg.threshold:
            reason, detail = "low_score", f"CLIP score {s:.3f} is below the threshold {cfg.threshold}"
        elif r < cfg.min_rank_fraction:
            reason, detail = (
                "low_rank",
                f"the caption beats only {r:.0%} of other captions (needs {cfg.min_rank_fraction:.0%})",
            )
        else:
            kept.append(p)
            continue
        dropped.append(
            {
                "image": str(p.image),
                "caption": p.captions[0],
                "score": round(s, 4),
                "rank_fraction": round(r, 3),
                "reason": reason,
                "detail": detail,
            }
        )
    return ScreenResult(kept, dropped, scores.tolist())


def write_report(result: ScreenResult, path: str | Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"summary": result.summary(), "dropped": result.dropped}, indent=1, ensure_ascii=False))
