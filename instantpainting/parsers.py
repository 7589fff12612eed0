"""The API's JSON parser, with limits: a body too large or nested too deep is a 400, not a 500.

DRF's JSONParser reads the whole stream (Django's DATA_UPLOAD_MAX_MEMORY_SIZE only guards
`request.body`) and hands it to `json.load`, whose C scanner raises RecursionError past about
1,000 levels; DRF catches ValueError only, so a 2 KB body of brackets answered 500.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A JSON string literal (escapes included): brackets inside one do not nest.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in `raw` (0 for a scalar), without parsing it."""
    depth = deepest = 0
    for char in _BRACKETS.findall(_STRING.sub(b'""', raw)):
        if char in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class LimitedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Mapping[str, Any] | None = None) -> Any:
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"JSON body too large (at most {limit} bytes).")
        if json_depth(raw) > settings.API_JSON_MAX_DEPTH:
            raise ParseError(f"JSON nested too deeply (at most {settings.API_JSON_MAX_DEPTH} levels).")
        try:
            encoding = (parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET
            return json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise ParseError(f"JSON parse error - {exc}") from exc


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (DRF's own parser refuses them too, in strict mode).
    raise ValueError(f"{name} is not valid JSON")
