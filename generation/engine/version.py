"""Engine version, recorded in every image's settings and every package written."""

from __future__ import annotations

ENGINE_VERSION = "0.1.0"
