"""A mail judged again (re-triage): its row and its documents updated in place, ids kept."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from inbox_bot.core import reasons
from inbox_bot.core.models import Attachment, TriageResult
from inbox_bot.storage.mails import documents, kinds_json
from inbox_bot.storage.readings import ocr_columns

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def update_mail(store: Store, mail_id: int, result: TriageResult) -> None:
    store.db.table("mails").update(
        mail_id,
        {
            "call": result.call,
            "verdict": result.verdict.value,
            "missing": json.dumps([str(k) for k in result.missing]),
            "reasons": reasons.dump_all(result.reasons),
            "sender": result.sender,
            "sender_name": result.sender_name,
            "forwarded_by": result.forwarded_by or None,
            "subject": result.subject,
            "message_id": result.message_id,
        },
    )


def update_documents(
    store: Store, mail_id: int, result: TriageResult, stored: dict[str, str], safe_names: dict[str, str],
    attachments: Sequence[Attachment] = (),
) -> None:
    """Update documents in place (their ids stay), add the ones a better reader now finds, drop the rest;
    what OCR read of `attachments` is kept with their rows."""
    read = {a.sha256: a for a in attachments}
    old = {(d["sha256"], d["filename"]): d for d in documents(store, mail_id)}
    table = store.db.table("documents")
    for d in result.documents:
        values: dict[str, Any] = {
            "kind": d.kind.value,
            "mime": d.mime,
            "size": d.size,
            "pages": d.pages,
            "problem": reasons.dump(d.problem),
            "inside": d.inside,
            "reasons": reasons.dump_all(d.reasons),
            **ocr_columns(read.get(d.sha256)),
            "kinds": kinds_json(d),
        }
        existing = old.pop((d.sha256, d.filename), None)
        if existing is not None:
            table.update(existing["id"], values)
        else:
            table.insert(
                {
                    "mail_id": mail_id,
                    "filename": d.filename,
                    "sha256": d.sha256,
                    "safe_name": safe_names.get(d.sha256, ""),
                    "path": stored.get(d.sha256),
                    **values,
                }
            )
    for gone in old.values():
        table.delete(gone["id"])
