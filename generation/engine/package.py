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

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from torch import nn

from .clip import SHARED_VISUAL_PREFIXES, build_clip
from .configs import GALIPArch
from .errors import WeightsCorrupt, WeightsMissing
from .galip import NetG
from .manifest import (
    FORMAT,
    MANIFEST_NAME,
    FileEntry,
    ModelManifest,
    default_models_dir,
    list_models,
    read_manifest,
    resolve_model,
    sha256_file,
    valid_model_name,
    verify_files,
)
from .upscale import SRNet
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
    "replace_super_resolution",
    "resolve_model",
    "sha256_file",
    "strip_module_prefix",
    "tensor_counts",
]


@dataclass
class LoadedModel:
    manifest: ModelManifest
    netG: NetG
    clip_model: nn.Module
    sr_net: SRNet | None


def strip_module_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Drop DDP's ``module.`` prefix, as GALIP's own loader does."""
    if state_dict and next(iter(state_dict)).startswith("module."):
        return {k.removeprefix("module."): v for k, v in state_dict.items()}
    return state_dict


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
    except Exception as exc:  # safetensors raises several types for bad files
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
    # One metadata key only: safetensors writes its metadata map in a random order
    # (safetensors/safetensors#584), so with two keys the same tensors gave files with other
    # bytes and another sha256. model.json carries the engine version.
    save_file(tensors, str(tmp), metadata={"format": "pt"})
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
    if not valid_model_name(name):
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


def replace_super_resolution(
    package_dir: Path | str,
    sr_net: SRNet,
    *,
    dtype: torch.dtype | None = torch.float16,
    note: dict[str, Any] | None = None,
) -> ModelManifest:
    """Write ``sr_net`` as the package's super-resolution net (file, hash and shape in model.json),
    keeping every other field of model.json as it is. ``note`` is recorded as ``training.sr``."""
    manifest = read_manifest(package_dir)
    entry = _save(_cast_for_storage(sr_net.state_dict(), dtype), manifest.path / "super_resolution.safetensors")
    path = manifest.path / MANIFEST_NAME
    data = json.loads(path.read_text(encoding="utf-8"))
    data["super_resolution"] = sr_net.cfg.to_dict()
    data["files"]["super_resolution"] = entry.to_dict()
    if note is not None:
        data.setdefault("training", {})["sr"] = note
    tmp = path.with_name(MANIFEST_NAME + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return read_manifest(manifest.path)


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
