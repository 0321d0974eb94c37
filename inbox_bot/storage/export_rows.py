"""The stored documents and raw mails of one call, as typed rows for the committee's export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_bot.storage.rows import decoded

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


@dataclass(frozen=True)
class DocumentRow:
    mail_id: int
    filename: str
    kind: str
    mime: str
    sha256: str
    stored: Path | None  # None when the file could not be kept
    received: datetime
    reasons: list[object]  # stored reasons: {code, params}, or plain sentences in rows older than codes


@dataclass(frozen=True)
class RawMailRow:
    id: int
    raw: Path


def call_documents(store: Store, call: str) -> list[DocumentRow]:
    """Every document of the call's mails, in order of receipt."""
    rows = store.db.query(
        "select d.mail_id, d.filename, d.kind, d.mime, d.sha256, d.path, d.reasons, m.received_at "
        "from documents d join mails m on m.id = d.mail_id where m.call = ? order by m.received_at, m.id, d.id",
        [call],
    )
    return [
        DocumentRow(
            mail_id=int(r["mail_id"]),
            filename=r["filename"] or "",
            kind=r["kind"],
            mime=r["mime"] or "",
            sha256=r["sha256"],
            stored=store.storage / r["path"] if r["path"] else None,
            received=datetime.fromisoformat(r["received_at"]),
            reasons=r["reasons"] or [],
        )
        for r in map(decoded, rows)
    ]


def call_raw_mails(store: Store, call: str) -> list[RawMailRow]:
    rows = store.db.query("select id, raw_path from mails where call = ? order by received_at, id", [call])
    return [RawMailRow(int(r["id"]), store.storage / r["raw_path"]) for r in rows]
