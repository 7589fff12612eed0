"""InstantPainting's image engine: GALIP text-to-image in pure PyTorch (no Django here).

Typical use (the worker loads once per process and reuses the engine)::

    engine = Engine.load("untrained-tiny")            # a name under the models dir, or a folder
    images = engine.generate(GenerationRequest("a red fox in snow", width=768, height=512))

See docs/engine.md for the package format, the size method, the CLI and the benchmark.
"""

from __future__ import annotations

from .archs import ARCHS, GALIPArch, build_networks, get_arch
from .clip import CLIPConfig, CLIPImageEncoder, CLIPTextEncoder, CLIPTokenizer, build_clip
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
from .galip import NetC, NetCConfig, NetD, NetDConfig, NetG, NetGConfig
from .package import ModelManifest, list_models, resolve_model, write_package
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
from .version import ENGINE_VERSION

__version__ = ENGINE_VERSION

__all__ = [
    "Engine",
    "GenerationRequest",
    "GeneratedImage",
    "STYLES",
    "Style",
    "STAGES",
    "list_models",
    "resolve_model",
    "ModelManifest",
    "EngineError",
    "InvalidRequest",
    "ModelNotFound",
    "ManifestInvalid",
    "WeightsMissing",
    "WeightsCorrupt",
    "TransientEngineError",
    "GenerationCanceled",
    "MIN_SIZE",
    "MAX_SIZE",
    "SIZE_STEP",
    "MAX_N",
    "MAX_CANDIDATES",
    "MAX_SEED",
    "MAX_PROMPT_CHARS",
    "encode_png",
    "read_png_settings",
    "NetG",
    "NetD",
    "NetC",
    "NetGConfig",
    "NetDConfig",
    "NetCConfig",
    "CLIPConfig",
    "CLIPTextEncoder",
    "CLIPImageEncoder",
    "CLIPTokenizer",
    "build_clip",
    "GALIPArch",
    "ARCHS",
    "get_arch",
    "build_networks",
    "write_package",
    "ENGINE_VERSION",
]
