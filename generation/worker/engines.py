"""The per-process engine cache: each model package is loaded once, then reused by every job."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from django.conf import settings

from generation.models import GeneratorModel
from generation.selectors import models_enabled

if TYPE_CHECKING:
    from generation.engine.sampler import Engine

logger = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine_for(model: GeneratorModel) -> Engine:
    """The loaded engine for a GeneratorModel; loaded once per process, then reused."""
    # Imported here: the sampler imports torch, which a web process needs only when it runs jobs.
    from generation.engine.sampler import Engine

    key = f"{model.name}:{model.path}"
    engine = _engines.get(key)
    if engine is None:
        with _engines_lock:
            engine = _engines.get(key)
            if engine is None:
                logger.info("loading model %s from %s", model.name, model.path)
                engine = Engine.load(model.path, device=settings.ENGINE_DEVICE)
                _engines[key] = engine
    return engine


def warm_models() -> list[str]:
    """Load every enabled model now, so the first job does not pay the load."""
    names = []
    for model in models_enabled():
        try:
            engine_for(model)
            names.append(model.name)
        except Exception:
            logger.exception("could not load model %s", model.name)
    return names
