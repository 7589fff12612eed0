"""Model packages: a folder with ``model.json`` and safetensors weights.

Layout (docs/engine.md, "Model packages")::

    <name>/model.json               manifest: name, category, architecture, CLIP config, files + sha256
    <name>/generator.safetensors    netG state dict in GALIP's key layout, including the CLIP visual
                                    modules it shares (mapping.CLIP_ViT.*)
    <name>/clip.safetensors         the rest of the CLIP model: text tower, visual ln_post/proj
    <name>/super_resolution.safetensors   optional SRNet

The CLIP visual tower is stored once, inside the generator, exactly as GALIP's own checkpoints
hold it; loading puts it back into the CLIP model, which then scores images with it.
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

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from .archs import GALIPArch
from .clip import SHARED_VISUAL_PREFIXES, CLIPConfig, build_clip
from .errors import ManifestInvalid, ModelNotFound, WeightsCorrupt, WeightsMissing
from .galip import NetG
from .upscale import SRConfig, SRNet
from .version import ENGINE_VERSION

__all__ = [
    "FORMAT",
    "MANIFEST_NAME",
    "FileEntry",
    "ModelManifest",
    "LoadedModel",
    "default_models_dir",
    "read_manifest",
    "write_package",
    "load_package",
    "verify_files",
    "list_models",
    "resolve_model",
    "sha256_file",
    "strip_module_prefix",
    "tensor_counts",
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

    def to_dict(self) -> dict:
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

    def to_dict(self) -> dict:
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


@dataclass
class LoadedModel:
    manifest: ModelManifest
    netG: NetG
    clip_model: nn.Module
    sr_net: SRNet | None


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def strip_module_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop DDP's ``module.`` prefix, as GALIP's own loader does (galip.md §5.1)."""
    if state_dict and next(iter(state_dict)).startswith("module."):
        return {k.removeprefix("module."): v for k, v in state_dict.items()}
    return state_dict


# --- reading -----------------------------------------------------------------------------


def _field(data: dict, key: str, kind: type | tuple[type, ...], path: Path) -> Any:
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


def _load_tensors(manifest: ModelManifest, role: str, verify: bool) -> dict[str, torch.Tensor]:
    entry = manifest.files[role]
    path = manifest.path / entry.path
    if not path.is_file():
        raise WeightsMissing(path, f"{role} weights of model {manifest.name!r}")
    if verify:
        digest = sha256_file(path)
        if digest != entry.sha256:
            raise WeightsCorrupt(path, f"sha256 is {digest} but model.json expects {entry.sha256}")
    try:
        return load_file(str(path))
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types for bad files
        raise WeightsCorrupt(path, f"not a readable safetensors file ({exc})") from exc


def _load_strict(module: nn.Module, state_dict: dict[str, torch.Tensor], path: Path) -> None:
    try:
        module.load_state_dict(state_dict, strict=True)
    except RuntimeError as exc:
        raise WeightsCorrupt(path, f"does not fit the architecture in model.json: {_short(exc)}") from exc


def _short(exc: Exception, limit: int = 600) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[:limit] + "…"


def _is_shared_visual(key: str) -> bool:
    return key.startswith("visual.") and key[len("visual.") :].startswith(SHARED_VISUAL_PREFIXES)


def load_package(package_dir: Path | str, device: torch.device | str = "cpu", verify: bool = True) -> LoadedModel:
    """Build the networks of a package and load its weights (hash-checked unless verify=False)."""
    manifest = read_manifest(package_dir)
    arch = manifest.arch
    gen_sd = strip_module_prefix(_load_tensors(manifest, "generator", verify))
    clip_sd = _load_tensors(manifest, "clip", verify)
    # Every CLIP parameter is loaded below (visual tower from the generator file, the rest from the
    # clip file), so skip the random init.
    clip_model = build_clip(arch.clip, device=device, init=False)
    netg = NetG(arch.netG, clip_model.visual).to(device)
    _load_strict(netg, gen_sd, manifest.path / manifest.files["generator"].path)
    clip_path = manifest.path / manifest.files["clip"].path
    try:
        missing, unexpected = clip_model.load_state_dict(clip_sd, strict=False)
    except RuntimeError as exc:
        raise WeightsCorrupt(clip_path, f"does not fit the CLIP config in model.json: {_short(exc)}") from exc
    missing = [k for k in missing if not _is_shared_visual(k)]
    if missing or unexpected:
        raise WeightsCorrupt(clip_path, f"missing keys {missing[:5]}, unexpected keys {unexpected[:5]}")
    sr_net = None
    if manifest.super_resolution is not None:
        sr_net = SRNet(manifest.super_resolution).to(device)
        _load_strict(
            sr_net,
            _load_tensors(manifest, "super_resolution", verify),
            manifest.path / manifest.files["super_resolution"].path,
        )
    for module in (netg, clip_model, sr_net):
        if module is not None:
            module.eval().requires_grad_(False)
    return LoadedModel(manifest, netg, clip_model, sr_net)


# --- writing -----------------------------------------------------------------------------


def _cast_for_storage(state_dict: dict[str, torch.Tensor], dtype: torch.dtype | None) -> dict[str, torch.Tensor]:
    out = {}
    for key, tensor in state_dict.items():
        tensor = tensor.detach().to("cpu")
        if dtype is not None and tensor.is_floating_point():
            tensor = tensor.to(dtype)
        out[key] = tensor.contiguous().clone()
    return out


def _save(tensors: dict[str, torch.Tensor], path: Path) -> FileEntry:
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={"format": "pt", "engine": ENGINE_VERSION})
    os.replace(tmp, path)
    return FileEntry(path.name, sha256_file(path), path.stat().st_size)


def write_package(
    out_dir: Path | str,
    *,
    name: str,
    category: str,
    description: str,
    trained: bool,
    arch: GALIPArch,
    netG: NetG,
    clip_model: nn.Module,
    license: str = "",
    sr_net: SRNet | None = None,
    dtype: torch.dtype | None = torch.float16,
    extra: dict[str, Any] | None = None,
) -> ModelManifest:
    """Write a package. ``netG`` must share ``clip_model.visual`` (as built by build_networks).

    ``dtype`` (default fp16) halves the files; the engine computes in fp32 on CPU regardless.
    ``extra`` adds top-level manifest fields (e.g. ``source`` or training notes).
    """
    if not _NAME_RE.match(name):
        raise ValueError(f"model name {name!r} must be 1-64 letters, digits, '.', '_' or '-'")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {"generator": _save(_cast_for_storage(netG.state_dict(), dtype), out / "generator.safetensors")}
    clip_sd = {k: v for k, v in clip_model.state_dict().items() if not _is_shared_visual(k)}
    files["clip"] = _save(_cast_for_storage(clip_sd, dtype), out / "clip.safetensors")
    if sr_net is not None:
        files["super_resolution"] = _save(
            _cast_for_storage(sr_net.state_dict(), dtype), out / "super_resolution.safetensors"
        )
    manifest = ModelManifest(
        name=name,
        category=category,
        description=description,
        trained=trained,
        native_size=arch.netG.native_size(),
        clip_arch=arch.clip.arch,
        context_length=arch.clip.context_length,
        files=files,
        license=license,
        arch=arch,
        super_resolution=sr_net.cfg if sr_net is not None else None,
        path=out.resolve(),
        extra={"engine_version": ENGINE_VERSION, **(extra or {})},
    )
    tmp = out / (MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, out / MANIFEST_NAME)
    return manifest


def tensor_counts(manifest: ModelManifest) -> dict[str, int]:
    """Number of values stored in each file (read from the safetensors headers only)."""
    counts = {}
    for role, entry in manifest.files.items():
        path = manifest.path / entry.path
        total = 0
        with safe_open(str(path), framework="pt") as fh:
            for key in fh.keys():
                shape = fh.get_slice(key).get_shape()
                n = 1
                for dim in shape:
                    n *= dim
                total += n
        counts[role] = total
    return counts


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
