"""InstantPainting's image engine: GALIP text-to-image in pure PyTorch (no Django here).

Typical use (the worker loads once per process and reuses the engine)::

    engine = Engine.load("untrained-tiny")            # a name under the models dir, or a folder
    images = engine.generate(GenerationRequest("a red fox in snow", width=768, height=512))

Names are imported lazily (PEP 562): ``from generation.engine import STYLES, list_models`` does
not import torch; ``Engine`` and the networks do. See docs/engine.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import ENGINE_VERSION

__version__ = ENGINE_VERSION

# public name -> submodule that defines it
_EXPORTS = {
    # engine
    "Engine": "sampler",
    "STAGES": "sampler",
    # requests and results (no torch)
    "GenerationRequest": "request",
    "GeneratedImage": "request",
    "MIN_SIZE": "request",
    "MAX_SIZE": "request",
    "SIZE_STEP": "request",
    "MAX_N": "request",
    "MAX_CANDIDATES": "request",
    "MAX_SEED": "request",
    "MAX_PROMPT_CHARS": "request",
    "STYLES": "styles",
    "Style": "styles",
    "encode_png": "pngmeta",
    "read_png_settings": "pngmeta",
    # errors (no torch)
    "EngineError": "errors",
    "InvalidRequest": "errors",
    "ModelNotFound": "errors",
    "ManifestInvalid": "errors",
    "WeightsMissing": "errors",
    "WeightsCorrupt": "errors",
    "TransientEngineError": "errors",
    "GenerationCanceled": "errors",
    # packages (manifest reading needs no torch; writing does)
    "ModelManifest": "manifest",
    "list_models": "manifest",
    "resolve_model": "manifest",
    "write_package": "package",
    # configs (no torch) and networks
    "NetGConfig": "configs",
    "NetDConfig": "configs",
    "NetCConfig": "configs",
    "CLIPConfig": "configs",
    "GALIPArch": "configs",
    "NetG": "galip",
    "NetD": "galip",
    "NetC": "galip",
    "CLIPTextEncoder": "clip",
    "CLIPImageEncoder": "clip",
    "CLIPTokenizer": "clip",
    "build_clip": "clip",
    "ARCHS": "archs",
    "get_arch": "archs",
    "build_networks": "archs",
}

__all__ = [
    "Engine",
    "STAGES",
    "GenerationRequest",
    "GeneratedImage",
    "MIN_SIZE",
    "MAX_SIZE",
    "SIZE_STEP",
    "MAX_N",
    "MAX_CANDIDATES",
    "MAX_SEED",
    "MAX_PROMPT_CHARS",
    "STYLES",
    "Style",
    "encode_png",
    "read_png_settings",
    "EngineError",
    "InvalidRequest",
    "ModelNotFound",
    "ManifestInvalid",
    "WeightsMissing",
    "WeightsCorrupt",
    "TransientEngineError",
    "GenerationCanceled",
    "ModelManifest",
    "list_models",
    "resolve_model",
    "write_package",
    "NetGConfig",
    "NetDConfig",
    "NetCConfig",
    "CLIPConfig",
    "GALIPArch",
    "NetG",
    "NetD",
    "NetC",
    "CLIPTextEncoder",
    "CLIPImageEncoder",
    "CLIPTokenizer",
    "build_clip",
    "ARCHS",
    "get_arch",
    "build_networks",
    "ENGINE_VERSION",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .archs import ARCHS, build_networks, get_arch
    from .clip import CLIPImageEncoder, CLIPTextEncoder, CLIPTokenizer, build_clip
    from .configs import CLIPConfig, GALIPArch, NetCConfig, NetDConfig, NetGConfig
    from .errors import (
        EngineError,
        GenerationCanceled,
        InvalidRequest,
        ManifestInvalid,
        ModelNotFound,
        TransientEngineError,
        WeightsCorrupt,
        WeightsMissing,
    )
    from .galip import NetC, NetD, NetG
    from .manifest import ModelManifest, list_models, resolve_model
    from .package import write_package
    from .pngmeta import encode_png, read_png_settings
    from .request import (
        MAX_CANDIDATES,
        MAX_N,
        MAX_PROMPT_CHARS,
        MAX_SEED,
        MAX_SIZE,
        MIN_SIZE,
        SIZE_STEP,
        GeneratedImage,
        GenerationRequest,
    )
    from .sampler import STAGES, Engine
    from .styles import STYLES, Style
