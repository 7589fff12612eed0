"""Fixtures for the engine tests: small random packages built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from generation.engine import Engine
from generation.engine.archs import build_networks, get_arch
from generation.engine.package import write_package

# One intra-op thread: these models are tiny and the test machine is shared (see docs/engine.md).
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A galip-tiny package with random weights, written the way init-random writes it."""
    arch = get_arch("galip-tiny")
    torch.manual_seed(1234)
    netg, _, _, clip_model = build_networks(arch)
    out = tmp_path_factory.mktemp("models") / "tiny-test"
    write_package(
        out,
        name="tiny-test",
        category="general",
        description="test package",
        trained=False,
        arch=arch,
        netG=netg,
        clip_model=clip_model,
    )
    return out


@pytest.fixture(scope="session")
def tiny_engine(tiny_package: Path) -> Engine:
    return Engine.load(tiny_package, device="cpu")
