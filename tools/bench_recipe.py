"""Recipe mode, measured: does the order and the count of ingredients change the picture?

For each recipe the food model draws the same seeds four ways — as written, with the order of
its ingredients reversed, with the first ingredient's count raised, and (the yardstick) as
written with other seeds — and prints the mean absolute pixel difference (0..255) of each
against the recipe as written, plus how much of the picture has the first ingredient's colour.
Same recipe, same seed gives 0 (the engine is deterministic), so any difference is the prompt's.

    .venv/bin/python tools/bench_recipe.py [--seeds 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.engine import Engine, GenerationRequest  # noqa: E402
from generation.engine.manifest import default_models_dir, read_manifest  # noqa: E402
from generation.prompting import Vocabulary  # noqa: E402
from generation.prompting.recipe import build_recipe  # noqa: E402

RECIPES = [
    ("rice", [("tomato", 1), ("egg", 1)]),
    ("noodles", [("mushroom", 1), ("broccoli", 1)]),
    ("none", [("strawberry", 1), ("carrot", 1)]),
    ("rice", [("shrimp", 1), ("broccoli", 1)]),
]
# the first ingredient's colour in the renders (generation/training/synthetic/food.py ITEM_RGB)
COLOUR = {
    "tomato": (222, 38, 30),
    "mushroom": (140, 92, 55),
    "strawberry": (214, 28, 52),
    "shrimp": (246, 128, 82),
}


def draw(engine: Engine, prompt: str, seeds: list[int]) -> np.ndarray:
    return np.stack(
        [np.asarray(engine.generate(GenerationRequest(prompt, 256, 256, seed=s))[0].image, np.float32) for s in seeds]
    )


def share_of(pictures: np.ndarray, rgb: tuple[int, int, int], tol: float = 60.0) -> float:
    dist = np.linalg.norm(pictures - np.asarray(rgb, np.float32), axis=-1)
    return float((dist < tol).mean())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--lang", default="en")
    parser.add_argument(
        "--form", choices=("recipe", "description"), default="recipe", help="which prompt of the recipe to draw"
    )
    args = parser.parse_args()
    folder = default_models_dir() / "demo-food"
    voc = Vocabulary.of(read_manifest(folder))
    engine = Engine.load(folder, device="cpu")
    seeds = list(range(args.seeds))
    other = list(range(1000, 1000 + args.seeds))
    rows = []
    for base, ingredients in RECIPES:

        def text(items: list[tuple[str, int]], base: str = base) -> str:
            recipe = build_recipe(voc, ingredients=items, base=base, lang=args.lang)
            return recipe.prompt if args.form == "recipe" else recipe.description

        written = text(ingredients)
        reordered = text(ingredients[::-1])
        counted = text([(ingredients[0][0], 3)] + ingredients[1:])
        a = draw(engine, written, seeds)
        again = draw(engine, written, seeds)
        b = draw(engine, reordered, seeds)
        c = draw(engine, counted, seeds)
        d = draw(engine, written, other)
        first = COLOUR.get(ingredients[0][0])
        rows.append(
            {
                "recipe": written,
                "same": float(np.abs(a - again).mean()),
                "order": float(np.abs(a - b).mean()),
                "count": float(np.abs(a - c).mean()),
                "seed": float(np.abs(a - d).mean()),
                "share1": share_of(a, first) if first else float("nan"),
                "share3": share_of(c, first) if first else float("nan"),
            }
        )
    print(f"{'recipe':46} {'same':>5} {'order':>6} {'count':>6} {'seeds':>6}  first ingredient's colour ×1 → ×3")
    for r in rows:
        print(
            f"{r['recipe'][:46]:46} {r['same']:5.1f} {r['order']:6.1f} {r['count']:6.1f} {r['seed']:6.1f}"
            f"  {100 * r['share1']:5.1f}% → {100 * r['share3']:5.1f}%"
        )
    order = np.mean([r["order"] for r in rows])
    count = np.mean([r["count"] for r in rows])
    seed = np.mean([r["seed"] for r in rows])
    print(f"mean: order {order:.1f}, count {count:.1f}, other seeds {seed:.1f} (pixel values 0..255)")
    print(f"ratios to the seed yardstick: order {order / seed:.2f}, count {count / seed:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
