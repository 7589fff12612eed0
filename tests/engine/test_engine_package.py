"""Model packages: manifest, hashes, typed errors for missing or corrupt files, name resolution."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generation.engine import (
    Engine,
    GenerationRequest,
    ManifestInvalid,
    ModelNotFound,
    WeightsCorrupt,
    WeightsMissing,
    list_models,
    resolve_model,
)
from generation.engine.cli import main as cli_main
from generation.engine.package import read_manifest, sha256_file

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def package_copy(tiny_package: Path, tmp_path: Path) -> Path:
    target = tmp_path / "models" / "copy"
    shutil.copytree(tiny_package, target)
    return target


def _rewrite_manifest(folder: Path, **changes) -> None:
    path = folder / "model.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


def test_manifest_round_trip_has_the_fields_the_site_reads(tiny_package: Path):
    manifest = read_manifest(tiny_package)
    assert manifest.name == "tiny-test"
    assert manifest.category == "general"
    assert manifest.trained is False
    assert manifest.native_size == (64, 64)
    assert manifest.context_length == 77
    assert manifest.clip_arch == "custom"
    assert set(manifest.files) == {"generator", "clip"}
    for entry in manifest.files.values():
        assert sha256_file(tiny_package / entry.path) == entry.sha256


def test_inspect_verifies_hashes_and_fails_on_a_mismatch(package_copy: Path, capsys):
    assert cli_main(["inspect", str(package_copy)]) == 0
    out = capsys.readouterr().out
    assert "sha256 ok" in out and "values" in out
    with open(package_copy / "clip.safetensors", "r+b") as fh:
        fh.seek(-8, 2)
        fh.write(b"\x00" * 8)
    assert cli_main(["inspect", str(package_copy)]) == 1
    assert "mismatch" in capsys.readouterr().out


def test_missing_model_json_is_model_not_found_naming_the_path(package_copy: Path):
    (package_copy / "model.json").unlink()
    with pytest.raises(ModelNotFound, match="model.json"):
        Engine.load(package_copy, device="cpu")
    with pytest.raises(ModelNotFound, match=str(package_copy)):
        resolve_model(package_copy)


def test_missing_weights_file_is_weights_missing_naming_the_path(package_copy: Path):
    (package_copy / "generator.safetensors").unlink()
    with pytest.raises(WeightsMissing) as info:
        Engine.load(package_copy, device="cpu")
    assert info.value.path == package_copy.resolve() / "generator.safetensors"
    assert str(package_copy.resolve() / "generator.safetensors") in str(info.value)


def test_wrong_hash_is_weights_corrupt(package_copy: Path):
    data = json.loads((package_copy / "model.json").read_text())
    data["files"]["clip"]["sha256"] = "0" * 64
    (package_copy / "model.json").write_text(json.dumps(data))
    with pytest.raises(WeightsCorrupt, match="sha256") as info:
        Engine.load(package_copy, device="cpu")
    assert info.value.path.name == "clip.safetensors"


def test_truncated_safetensors_is_weights_corrupt_even_when_the_hash_matches(package_copy: Path):
    weights = package_copy / "generator.safetensors"
    weights.write_bytes(weights.read_bytes()[:10_000])
    data = json.loads((package_copy / "model.json").read_text())
    data["files"]["generator"]["sha256"] = sha256_file(weights)
    (package_copy / "model.json").write_text(json.dumps(data))
    with pytest.raises(WeightsCorrupt, match="safetensors") as info:
        Engine.load(package_copy, device="cpu")
    assert info.value.path.name == "generator.safetensors"


def test_weights_of_another_architecture_are_weights_corrupt(package_copy: Path):
    data = json.loads((package_copy / "model.json").read_text())
    data["architecture"]["netG"]["ngf"] = 8  # the stored tensors are for ngf=16
    (package_copy / "model.json").write_text(json.dumps(data))
    with pytest.raises(WeightsCorrupt, match="does not fit"):
        Engine.load(package_copy, device="cpu", verify=False)


@pytest.mark.parametrize("field", ["name", "category", "trained", "native_size", "clip", "architecture", "files"])
def test_manifest_missing_a_field_is_manifest_invalid_naming_it(package_copy: Path, field: str):
    data = json.loads((package_copy / "model.json").read_text())
    del data[field]
    (package_copy / "model.json").write_text(json.dumps(data))
    with pytest.raises(ManifestInvalid, match=repr(field)):
        read_manifest(package_copy)


def test_manifest_that_is_not_json_is_manifest_invalid(package_copy: Path):
    (package_copy / "model.json").write_text("{not json")
    with pytest.raises(ManifestInvalid, match="JSON"):
        read_manifest(package_copy)


def test_manifest_file_paths_cannot_leave_the_package(package_copy: Path):
    data = json.loads((package_copy / "model.json").read_text())
    data["files"]["clip"]["path"] = "../../etc/passwd"
    (package_copy / "model.json").write_text(json.dumps(data))
    with pytest.raises(ManifestInvalid, match="inside the package"):
        read_manifest(package_copy)


def test_names_resolve_under_the_models_dir_and_unknown_names_are_clear(package_copy: Path):
    models_dir = package_copy.parent
    assert resolve_model("copy", models_dir) == package_copy.resolve()
    assert resolve_model("tiny-test", models_dir) == package_copy.resolve()  # the manifest name
    with pytest.raises(ModelNotFound, match="no model named 'nope'.*available: tiny-test"):
        resolve_model("nope", models_dir)


def test_models_dir_comes_from_the_environment(package_copy: Path, monkeypatch):
    monkeypatch.setenv("INSTANTPAINTING_MODELS_DIR", str(package_copy.parent))
    assert [m.name for m in list_models()] == ["tiny-test"]
    engine = Engine.load("copy", device="cpu")
    assert engine.manifest.name == "tiny-test"


def test_list_models_skips_broken_packages(package_copy: Path):
    broken = package_copy.parent / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("[]")
    assert [m.name for m in list_models(package_copy.parent)] == ["tiny-test"]


def test_bundled_placeholder_is_small_untrained_and_verified():
    folder = REPO / "models" / "untrained-tiny"
    manifest = read_manifest(folder)
    assert manifest.name == "untrained-tiny"
    assert manifest.trained is False
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total <= 8 * 1024 * 1024
    for role, entry in manifest.files.items():
        assert sha256_file(folder / entry.path) == entry.sha256, role
    engine = Engine.load(folder, device="cpu")
    [result] = engine.generate(GenerationRequest("a placeholder", width=512, height=512, seed=0))
    assert result.image.size == (512, 512)
    assert result.settings["model"] == "untrained-tiny"


def test_listing_models_and_validating_requests_do_not_import_torch(tiny_package: Path):
    """The web process reads manifests and checks requests; that must not load torch."""
    code = (
        "import sys\n"
        "from generation.engine import STYLES, GenerationRequest, InvalidRequest, list_models, read_png_settings\n"
        f"assert [m.name for m in list_models({str(tiny_package.parent)!r})] == ['tiny-test']\n"
        "GenerationRequest('a cat', style='anime').validate()\n"
        "assert 'torch' not in sys.modules and 'open_clip' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_public_name_resolves():
    import generation.engine as engine_pkg

    for name in engine_pkg.__all__:
        assert getattr(engine_pkg, name) is not None, name


def test_the_same_tensors_always_give_the_same_file(tmp_path: Path):
    """A rebuilt package keeps its sha256 when its weights did not change (safetensors writes
    metadata maps in a random order, so the writer keeps to one key)."""
    import torch

    from generation.engine.package import _save

    tensors = {"b": torch.arange(6.0).view(2, 3), "a": torch.ones(4, dtype=torch.float16)}
    digests = {_save(tensors, tmp_path / f"w{i}.safetensors").sha256 for i in range(8)}
    assert len(digests) == 1
