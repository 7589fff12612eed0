"""model.json: reading and checking manifests, finding packages by name. No torch import, so
the web side can list models without loading the engine.

Package layout: see package.py and docs/engine.md, "Model packages".
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .configs import CLIPConfig, GALIPArch, SRConfig
from .errors import ManifestInvalid, ModelNotFound

__all__ = [
    "FORMAT",
    "MANIFEST_NAME",
    "MODELS_DIR_ENV",
    "FileEntry",
    "ModelManifest",
    "default_models_dir",
    "read_manifest",
    "verify_files",
    "sha256_file",
    "list_models",
    "resolve_model",
    "valid_model_name",
]

log = logging.getLogger(__name__)

FORMAT = "instantpainting-model/1"
MANIFEST_NAME = "model.json"
MODELS_DIR_ENV = "INSTANTPAINTING_MODELS_DIR"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_REQUIRED_FILES = ("generator", "clip")


def default_models_dir() -> Path:
    """``$INSTANTPAINTING_MODELS_DIR``, else ``<repo>/models``."""
    env = os.environ.get(MODELS_DIR_ENV)
    return Path(env) if env else Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the package folder
    sha256: str
    size: int

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass
class ModelManifest:
    name: str
    category: str
    description: str
    trained: bool
    native_size: tuple[int, int]  # (width, height) on the square bridge grid
    clip_arch: str
    context_length: int
    files: dict[str, FileEntry]
    license: str
    arch: GALIPArch
    super_resolution: SRConfig | None = None
    path: Path = field(default_factory=Path)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clip(self) -> CLIPConfig:
        return self.arch.clip

    def to_dict(self) -> dict[str, Any]:
        data = {
            "format": FORMAT,
            "name": self.name,
            "category": self.category,
            "description": self.description,
            "trained": self.trained,
            "license": self.license,
            "native_size": list(self.native_size),
            "architecture": self.arch.to_dict(),
            "clip": {**self.arch.clip.to_dict(), "context_length": self.context_length, "tokenizer": "clip-bpe"},
            "super_resolution": self.super_resolution.to_dict() if self.super_resolution else None,
            "files": {role: entry.to_dict() for role, entry in self.files.items()},
        }
        data.update(self.extra)
        return data


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


# --- reading -----------------------------------------------------------------------------


def _field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], path: Path) -> Any:
    if key not in data:
        raise ManifestInvalid(path, f"missing field {key!r}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ManifestInvalid(path, f"field {key!r} has the wrong type ({type(value).__name__})")
    return value


def read_manifest(package_dir: Path | str) -> ModelManifest:
    """Parse and check ``model.json``; raises ModelNotFound if absent, ManifestInvalid if wrong."""
    package_dir = Path(package_dir)
    path = package_dir / MANIFEST_NAME
    if not path.is_file():
        raise ModelNotFound(f"{package_dir} is not a model package: {path} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestInvalid(path, f"not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ManifestInvalid(path, "must be a JSON object")
    if data.get("format") != FORMAT:
        raise ManifestInvalid(path, f"field 'format' must be {FORMAT!r} (got {data.get('format')!r})")
    name = _field(data, "name", str, path)
    if not _NAME_RE.match(name):
        raise ManifestInvalid(path, f"field 'name' {name!r} must be 1-64 letters, digits, '.', '_' or '-'")
    clip_data = dict(_field(data, "clip", dict, path))
    context_length = clip_data.pop("context_length", None)
    clip_data.pop("tokenizer", None)
    native = _field(data, "native_size", list, path)
    if len(native) != 2 or not all(isinstance(v, int) and v > 0 for v in native):
        raise ManifestInvalid(path, "field 'native_size' must be [width, height]")
    try:
        clip = CLIPConfig.from_dict(clip_data)
        arch = GALIPArch.from_dict(_field(data, "architecture", dict, path), clip)
        sr_data = data.get("super_resolution")
        sr = SRConfig.from_dict(sr_data) if sr_data else None
    except (TypeError, ValueError, KeyError) as exc:
        raise ManifestInvalid(path, f"architecture/clip/super_resolution: {exc}") from exc
    files = {}
    for role, entry in _field(data, "files", dict, path).items():
        if not isinstance(entry, dict):
            raise ManifestInvalid(path, f"files.{role} must be an object")
        rel = _field(entry, "path", str, path)
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise ManifestInvalid(path, f"files.{role}.path must stay inside the package ({rel!r})")
        files[role] = FileEntry(rel, _field(entry, "sha256", str, path), int(entry.get("size", -1)))
    for role in _REQUIRED_FILES + (("super_resolution",) if sr else ()):
        if role not in files:
            raise ManifestInvalid(path, f"files.{role} is missing")
    known = {
        "format", "name", "category", "description", "trained", "license", "native_size",
        "architecture", "clip", "super_resolution", "files",
    }  # fmt: skip
    return ModelManifest(
        name=name,
        category=_field(data, "category", str, path),
        description=data.get("description", "") or "",
        trained=_field(data, "trained", bool, path),
        native_size=(native[0], native[1]),
        clip_arch=clip.arch,
        context_length=int(context_length or clip.context_length),
        files=files,
        license=data.get("license", "") or "",
        arch=arch,
        super_resolution=sr,
        path=package_dir.resolve(),
        extra={k: v for k, v in data.items() if k not in known},
    )


def verify_files(manifest: ModelManifest) -> dict[str, str]:
    """Check each file against model.json: role -> "ok", "missing", or "sha256 mismatch (...)"."""
    report = {}
    for role, entry in manifest.files.items():
        path = manifest.path / entry.path
        if not path.is_file():
            report[role] = "missing"
            continue
        digest = sha256_file(path)
        report[role] = (
            "ok" if digest == entry.sha256 else f"sha256 mismatch (file {digest[:12]}…, manifest {entry.sha256[:12]}…)"
        )
    return report


# --- finding -----------------------------------------------------------------------------


def list_models(models_dir: Path | str | None = None) -> list[ModelManifest]:
    """Manifests of the valid packages directly under ``models_dir``, sorted by name.

    A broken package is logged and left out so one bad folder cannot hide the others.
    """
    root = Path(models_dir) if models_dir else default_models_dir()
    if not root.is_dir():
        return []
    manifests = []
    for child in sorted(root.iterdir()):
        if not (child / MANIFEST_NAME).is_file():
            continue
        try:
            manifests.append(read_manifest(child))
        except (ManifestInvalid, ModelNotFound) as exc:
            log.warning("skipping model package %s: %s", child, exc)
    return sorted(manifests, key=lambda m: m.name)


def valid_model_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def _looks_like_path(value: str) -> bool:
    return os.sep in value or "/" in value or value.startswith(".") or Path(value).is_absolute()


def resolve_model(name_or_dir: Path | str, models_dir: Path | str | None = None) -> Path:
    """The package folder for a model name (a folder under ``models_dir``) or a folder path.

    A value with a path separator (or a Path) is a folder; anything else is a name.
    """
    if isinstance(name_or_dir, Path) or _looks_like_path(str(name_or_dir)):
        folder = Path(name_or_dir)
        if not folder.is_dir():
            raise ModelNotFound(f"model folder {folder} does not exist")
        if not (folder / MANIFEST_NAME).is_file():
            raise ModelNotFound(f"{folder} is not a model package: it has no {MANIFEST_NAME}")
        return folder.resolve()
    name = str(name_or_dir)
    root = Path(models_dir) if models_dir else default_models_dir()
    if _NAME_RE.match(name):
        folder = root / name
        if (folder / MANIFEST_NAME).is_file():
            return folder.resolve()
        if folder.is_dir():
            raise ModelNotFound(f"{folder} is not a model package: it has no {MANIFEST_NAME}")
        for manifest in list_models(root):
            if manifest.name == name:
                return manifest.path
    known = ", ".join(m.name for m in list_models(root)) or "none"
    raise ModelNotFound(f"no model named {name!r} in {root} (available: {known})")
