"""Where a generator keeps its arrangements: seeds from N(0, 1) against the noise its
reconstruction path was taught to redraw renders from.

The reconstruction path (generation/training/encoder.py) teaches G to redraw each render from the
noise an encoder reads off it, while the adversarial loss only ever sees G's pictures of plain
N(0, 1) noise (the engine's seeds). This fits a fresh encoder to a package's frozen generator
(the trainer's encoder warm-up, on renders of its category), reads the codes of renders, and
draws the whole evaluation set (both languages) three ways, at G's native size (no SR):

- seeds: N(0, 1), as the site does;
- one Gaussian fitted to the codes of renders (their mean and covariance);
- the codes themselves: a render's code plus its own posterior noise, one render per seed.

For each it prints what `evaluate --fidelity-only` reports (generation/training/fidelity.py): the
FD to renders, the share of objects drawn and the layout spread (renders with other layout seeds
read 1), and writes a sheet: per regular prompt (the first six, English), four renders with
other layout seeds, four seeds, four codes.

    .venv/bin/python tools/seed_codes.py landscape --sheet docs/seed-codes-landscape.png
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.training.config import load_config  # noqa: E402
from generation.training.data import read_pairs  # noqa: E402
from generation.training.encoder import dimensions_read  # noqa: E402
from generation.training.fidelity import FidelityReader, fidelity_of, fidelity_path  # noqa: E402
from generation.training.layout import layout_path, load_layout  # noqa: E402
from generation.training.pipeline import get_clip  # noqa: E402
from generation.training.renders import render_variants, shrink  # noqa: E402
from generation.training.synthetic import LANGS, eval_items  # noqa: E402
from generation.training.synthetic.dataset import render_dataset  # noqa: E402
from generation.training.trainer import GALIPTrainer  # noqa: E402

# The config of each category's last round: its generator's shape, encoder and reconstruction weights.
CONFIGS = {"anime": "generation/training/configs/demo-128.toml"}
LAST_ROUND = "generation/training/configs/demo-sharpen.toml"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("category", choices=("landscape", "food", "anime"))
    ap.add_argument("--models-dir", default="models")
    ap.add_argument("--renders", type=int, default=2000, help="renders the encoder learns from")
    ap.add_argument("--steps", type=int, default=600, help="encoder warm-up steps")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--items", type=int, help="only the first prompts of the evaluation set")
    ap.add_argument("--sheet", help="write the sheet here (PNG, 64 px pictures)")
    ap.add_argument("--rows", type=int, default=6, help="prompts on the sheet")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cat = args.category
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {
            "models_dir": args.models_dir,
            "run.out_dir": str(Path(tmp) / "run"),
            "synthetic.categories": [cat],
            "gan.init_package": f"demo-{cat}",
            "sr.package": f"demo-{cat}",
        }
        cfg = load_config(CONFIGS.get(cat, LAST_ROUND), overrides)
        size = cfg.data.size
        pairs = read_pairs(
            render_dataset(Path(tmp) / "data", categories=(cat,), per_category=args.renders, size=size, progress=False)
        )
        clip = get_clip(cfg, pairs, [])
        trainer = GALIPTrainer(cfg, clip, pairs, log=print)
        assert trainer.netE is not None
        trainer.warm_e(args.steps, cfg.gan.stages[0])
    G, E = trainer.netG.eval(), trainer.netE.eval()

    images = trainer.images.float().div(127.5).sub(1)  # every render once
    with torch.no_grad():
        read = [E(images[i : i + 64].to(trainer.device)) for i in range(0, len(images), 64)]
    mu, logvar = torch.cat([m for m, _ in read]), torch.cat([lv for _, lv in read])
    std = (0.5 * logvar).exp()
    mean, cov = mu.mean(0), torch.cov(mu.T) + torch.diag(std.pow(2).mean(0))
    root = torch.linalg.cholesky(cov)
    print(
        f"codes of {len(mu)} renders: total variance {cov.trace():.1f} (N(0, 1): {len(mean)}), "
        f"dimensions read {dimensions_read(logvar).sum():.1f}"
    )

    items = eval_items(cat)[: args.items]
    g = torch.Generator().manual_seed(0)
    n = args.seeds
    drawn: dict[str, dict[tuple[int, str], torch.Tensor]] = {"seeds": {}, "fitted": {}, "codes": {}}
    with torch.no_grad():
        for i, item in enumerate(items):
            for lang in LANGS:
                cap = item.captions[lang]
                sent = clip.encode_texts([cap]).float().expand(n, -1)
                words = clip.encode_word_tokens(clip.tokens([cap]).long()) if trainer.arch.netG.word_attn else ()
                words = tuple(w.expand(n, *w.shape[1:]) for w in words)
                eps = torch.randn(n, len(mean), generator=g)
                pick = torch.randint(0, len(mu), (n,), generator=g)
                noise = {"seeds": eps, "fitted": mean + eps @ root.T, "codes": mu[pick] + std[pick] * eps}
                for name, z in noise.items():
                    drawn[name][(i, lang)] = G(z, sent, None, *words).float().clamp(-1, 1)
    reader, net = FidelityReader.load(fidelity_path(cat)), load_layout(layout_path(cat))
    for name, pictures in drawn.items():
        r = fidelity_of(name, pictures, items, reader, n, net)
        print(
            f"{name:7s} FD {r.fd:.2f} (σ = 2 blur {r.fd_blur2:.2f}), objects {r.presence:.0%}, "
            f"layout spread {r.layout_spread:.2f} (one picture wobbled {r.layout_same:.2f})"
        )
    if args.sheet:
        from PIL import Image
        from torchvision.utils import make_grid

        regular = [i for i, it in enumerate(items) if it.kind == "regular"][: args.rows]
        rows = [
            torch.cat(
                [
                    shrink(x, 64)
                    for x in (
                        render_variants(items[i].scene, n, salt=1),
                        drawn["seeds"][(i, "en")],
                        drawn["codes"][(i, "en")],
                    )
                ]
            )
            for i in regular
        ]
        grid = make_grid(torch.cat(rows) * 0.5 + 0.5, nrow=3 * n, padding=2).clamp(0, 1)
        sheet = Image.fromarray(grid.mul(255).round().byte().permute(1, 2, 0).numpy())
        sheet.quantize(256, method=Image.Quantize.MEDIANCUT).save(args.sheet, optimize=True)  # a third the bytes
        print(f"sheet: {args.sheet}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
