"""Typed errors of the engine.

Every error the web side should tell apart is its own class, and each carries a short machine
readable ``code`` (the worker stores it as the job's error code). Messages are written for a
person: they name the field or the file that is wrong.
"""

from __future__ import annotations

from pathlib import Path


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""

    code = "engine"


class InvalidRequest(EngineError, ValueError):
    """A GenerationRequest field is out of range; ``field`` names it for a 400 response."""

    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class ModelNotFound(EngineError, LookupError):
    """No model package with that name or folder (or the folder has no model.json)."""

    code = "model_not_found"


class ManifestInvalid(EngineError):
    """model.json exists but cannot be read or has a missing or wrong field."""

    code = "manifest_invalid"

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{path}: {message}")


class WeightsMissing(EngineError, FileNotFoundError):
    """A weights file the package or the command needs is not on disk."""

    code = "weights_missing"

    def __init__(self, path: Path | str, what: str = "weights file") -> None:
        self.path = Path(path)
        super().__init__(f"{what} not found: expected it at {self.path}")


class WeightsCorrupt(EngineError):
    """A weights file exists but is truncated, has the wrong hash, or does not fit the network."""

    code = "weights_corrupt"

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"weights file {self.path} is unusable: {reason}")


class TransientEngineError(EngineError):
    """A failure worth retrying later with backoff, e.g. CUDA out of memory."""

    code = "transient"


class GenerationCanceled(EngineError):
    """should_cancel() returned True between two stages."""

    code = "canceled"
