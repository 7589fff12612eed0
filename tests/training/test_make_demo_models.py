"""`make demo-models` on a built tree: every finished step is skipped by its stamp, a step that
fails leaves none, so the next run starts again there and not before."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = re.findall(r"\$\(call step,([\w-]+),", (ROOT / "Makefile").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(done: Path, py: str) -> subprocess.CompletedProcess[str]:
    # -o setup: the venv and the database are not this test's business
    return subprocess.run(
        ["make", "-s", "-o", "setup", "demo-models", f"DONE={done}", f"PY={py}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_steps_are_the_builds_in_order():
    assert STEPS[:3] == ["base", "finetune", "words"] and STEPS[-1] == "grow-anime"
    assert len(STEPS) == len(set(STEPS)) == 15


def test_a_built_tree_runs_nothing(tmp_path):
    for name in STEPS:
        (tmp_path / name).touch()
    run = make(tmp_path, "false")  # any step that ran would fail
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(" is done ") == len(STEPS)


def test_a_failed_step_leaves_no_stamp_and_stops_the_chain(tmp_path):
    for name in STEPS[:4]:
        (tmp_path / name).touch()
    run = make(tmp_path, "false")
    assert run.returncode != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(STEPS[:4])


def test_a_step_that_finishes_is_stamped(tmp_path):
    for name in STEPS[:-1]:
        (tmp_path / name).touch()
    run = make(tmp_path, "true")  # stands in for the last build, which succeeds
    assert run.returncode == 0, run.stderr
    assert (tmp_path / STEPS[-1]).exists()


def test_every_build_step_is_a_config_the_cli_reads(tmp_path):
    """The steps' --set values pass through make and the shell (quotes, JSON with commas): each
    build's command line, as make would run it, must load without an error."""
    import argparse
    import shlex

    import torch

    from generation.training.__main__ import _config

    dry = subprocess.run(
        ["make", "-n", "-s", "-o", "setup", "demo-models", f"DONE={tmp_path}", "PY=py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert dry.returncode == 0, dry.stderr
    builds = re.findall(r"py -m generation\.training (build-demo-models .*?) && mkdir", dry.stdout)
    assert len(builds) == sum(1 for line in dry.stdout.splitlines() if "build-demo-models" in line) >= 10
    configs = {}
    threads = torch.get_num_threads()  # the CLI's reader sets the config's thread count
    try:
        for build in builds:
            argv = shlex.split(build)
            args = argparse.Namespace(
                config=argv[argv.index("--config") + 1],
                set=[argv[i + 1] for i, a in enumerate(argv) if a == "--set"],
            )
            cfg = _config(args)
            configs[cfg.run.out_dir] = cfg
    finally:
        torch.set_num_threads(threads)
    food = configs["var/training/demo-oversample-food"]
    assert food.data.oversample == {"ingredients": {"egg": 2.0, "shrimp": 2.0}}
    assert food.gan.init_package == "demo-food" and food.gan.stages[0].ms_layout_w == 5
    assert configs["var/training/demo-layout-food"].gan.stages[0].steps == 2700
