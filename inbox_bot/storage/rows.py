"""What every storage module shares: the clock as stored, and JSON columns read back in one place."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Columns stored as JSON text; a row read through storage always carries them decoded.
JSON_COLUMNS = ("missing", "reasons", "recipients", "detail", "documents", "rcpt", "kinds")


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(instant: datetime) -> str:
    """Times are compared as text in SQL: always UTC, whatever zone the caller's datetime carries."""
    return instant.astimezone(UTC).isoformat()


def decoded(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with its JSON columns read back."""
    return {k: json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v for k, v in row.items()}


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
