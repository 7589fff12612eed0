"""A second discriminator that reads pixels, beside GALIP's CLIP-feature D (training only).

GALIP's D sees an image only through the frozen CLIP's taps. A small CLIP at 64 px cannot read
shape-defined parts there (a linear probe of the bundled CLIP's image side: hair style 41 %,
expression 32 %, accessory 45 %, trees 61 %), so D gives G no signal for them and G does not
draw them. This branch looks at the pixels themselves:

- a projection-conditioned hinge D (Miyato & Koyama, 2018): the score is a linear read-out of
  pooled conv features plus their dot product with a projection of the sentence embedding,
  spectral-normalised so no gradient penalty is needed (features summed over positions, as
  in SNGAN's projection D);
- an attribute reader (the auxiliary classifier of AC-GAN, Odena et al., 2017, on a trunk of
  its own): trained on real renders only — where a pair carries the scene it was drawn from —
  while G pays cross-entropy when it does not read, from G's picture, what the caption says.
  Real data has no scenes, so on it the reader switches off and only the adversarial part
  remains. A shared, spectral-normalised trunk was tried first: after 2,000 steps it still read
  trees, hair style, expression and accessories at chance.

The evaluation classifier (attributes.AttributeNet) is a separate network trained apart from
this one; nothing here is shared with it or loaded from it. Nothing here is exported: the
engine never sees it.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

# Caption forms that leave attributes unsaid: a recipe ("title; ingredient, ...") names the
# dish and its ingredients but not the vessel or the table, so G is not asked for those.
RECIPE_SEPARATORS = (";", "；")
UNSAID_IN_RECIPES = ("food/vessel", "food/table")


def _trunk(width: int, norm) -> nn.Sequential:
    """64 px -> 4 px conv features: a 3x3 conv, then four stride-2 4x4 convs."""
    chans = [width, width * 2, width * 4, width * 4, width * 8]
    layers: list[nn.Module] = [norm(nn.Conv2d(3, chans[0], 3, 1, 1)), nn.LeakyReLU(0.2)]
    for cin, cout in itertools.pairwise(chans):
        layers += [norm(nn.Conv2d(cin, cout, 4, 2, 1)), nn.LeakyReLU(0.2)]
    return nn.Sequential(*layers)


class PixelD(nn.Module):
    """Two conv trunks on pixels: `features` + `judge` is the conditional adversarial D,
    `read` the attribute reader (its own trunk, so neither task starves the other)."""

    def __init__(self, cond_dim: int, heads: list[tuple[str, int]], width: int = 32) -> None:
        super().__init__()
        out = width * 8
        self.features = _trunk(width, spectral_norm)
        self.score = spectral_norm(nn.Linear(out, 1))
        self.project = spectral_norm(nn.Linear(cond_dim, out, bias=False))
        self.reader = _trunk(width, lambda m: m)
        self.head_names = [name for name, _ in heads]
        self.head_sizes = [n for _, n in heads]
        self.heads = nn.Linear(out * 2, sum(self.head_sizes))

    def adversarial_parameters(self) -> list[nn.Parameter]:
        return [*self.features.parameters(), *self.score.parameters(), *self.project.parameters()]

    def reader_parameters(self) -> list[nn.Parameter]:
        return [*self.reader.parameters(), *self.heads.parameters()]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B,3,H,W] in [-1,1] -> the adversarial trunk's features [B,C], summed over the
        positions as in SNGAN's projection D (a mean leaves spectral-normalised layers too little
        signal)."""
        return self.features(x).sum((2, 3))

    def judge(self, h: torch.Tensor, sent: torch.Tensor) -> torch.Tensor:
        """The score of features h under sentence embeddings sent: [B]."""
        return self.score(h).squeeze(1) + (self.project(sent) * h).sum(1)

    def read(self, x: torch.Tensor) -> torch.Tensor:
        """x: [B,3,H,W] in [-1,1] -> attribute logits [B, sum of head sizes]. Mean and max
        pooled: the max is what finds a small part (an eye, a ribbon, a few trees) at all."""
        f = self.reader(x)
        return self.heads(torch.cat([f.mean((2, 3)), f.amax((2, 3))], 1))

    def attribute_loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy over the heads that have a label (-1 = none); 0 when none do (still
        part of the graph, so a batch of real, unlabelled pairs backpropagates like any other)."""
        total, count = logits.sum() * 0.0, 0
        for part, target in zip(logits.split(self.head_sizes, dim=1), labels.T, strict=True):
            known = target >= 0
            if known.any():
                total = total + F.cross_entropy(part[known].float(), target[known], reduction="sum")
                count += int(known.sum())
        return total / max(count, 1)


def caption_labels(
    captions: list[str], owner: list[int], heads: list[tuple[str, int]], pair_labels: torch.Tensor
) -> torch.Tensor:
    """Per caption, the attributes it asks for: its pair's scene labels, less those its form
    leaves unsaid (recipes say nothing of vessel or table)."""
    labels = pair_labels[torch.tensor(owner, dtype=torch.long)].clone()
    unsaid = [j for j, (name, _) in enumerate(heads) if name in UNSAID_IN_RECIPES]
    for i, caption in enumerate(captions):
        if unsaid and any(s in caption for s in RECIPE_SEPARATORS):
            labels[i, unsaid] = -1
    return labels


__all__ = ["PixelD", "caption_labels"]
