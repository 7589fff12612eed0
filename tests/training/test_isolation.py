"""The generation path never draws a synthetic scene: renderers exist for training only."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "generation" / "engine"


def test_no_engine_module_imports_the_training_package():
    offenders = []
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            offenders += [f"{path.name}: {n}" for n in names if "training" in n or "synthetic" in n]
    assert not offenders


POISONED_RUN = r"""
import sys
# Any import of the training package or a renderer now raises ImportError.
for name in ("generation.training", "generation.training.synthetic", "generation.training.synthetic.landscape",
             "generation.training.synthetic.food", "generation.training.synthetic.anime",
             "generation.training.synthetic.base"):
    sys.modules[name] = None
from generation.engine import Engine, GenerationRequest
engine = Engine.load(sys.argv[1], device="cpu")
out = engine.generate(GenerationRequest(sys.argv[2], width=256, height=256, seed=1))
assert out[0].image.size == (256, 256)
loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.startswith("generation.training"))
assert not loaded, loaded
print("ok")
"""


@pytest.mark.parametrize("prompt", ["a landscape at sunset with snowy mountains", "黄昏时的风景"])
def test_generation_runs_with_the_renderers_poisoned(tmp_path, prompt):
    from generation.engine.archs import build_networks, get_arch
    from generation.engine.package import write_package

    arch = get_arch("galip-tiny")
    netg, _, _, clip_model = build_networks(arch)
    write_package(
        tmp_path / "pkg",
        name="iso",
        category="landscape",
        description="",
        trained=False,
        arch=arch,
        netG=netg,
        clip_model=clip_model,
    )
    res = subprocess.run(
        [sys.executable, "-c", POISONED_RUN, str(tmp_path / "pkg"), prompt],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().endswith("ok")
