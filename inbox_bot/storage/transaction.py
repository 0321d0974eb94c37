"""The unit of work: what the caller opens, writes through, and closes; it commits all of it or none of it.

    with store.transaction() as tx:
        mail_id = tx.record_mail(raw, result, attachments)
        tx.ledger_recorded(place, mail_id, sha256=raw.sha256)
        tx.queue_reply(mail_id, reply)

A mail, its decision, documents, events, ledger row and the reply it calls for commit together, so a crash
leaves all of it or none of it. Files are written first, under their hash, so writing them again is harmless.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, cast

from inbox_bot.core import reasons
from inbox_bot.core.models import Attachment, RawMail, TriageResult
from inbox_bot.storage import ledger, outbox_rows, parsings
from inbox_bot.storage.mails import kinds_json
from inbox_bot.storage.readings import keep, ocr_columns
from inbox_bot.storage.rows import as_json, utc_now

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


class Transaction:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.db = store.db

    def add_event(self, mail_id: int | None, kind: str, detail: dict[str, Any]) -> None:
        row = {"mail_id": mail_id, "at": utc_now().isoformat(), "kind": kind, "detail": as_json(detail)}
        self.db.table("events").insert(row)

    def record_mail(self, raw: RawMail, result: TriageResult, attachments: Sequence[Attachment]) -> int:
        """Keep the mail, its files and its decision; return its id. The tries at it are over."""
        raw_path = self.store.put_raw(raw)
        stored = {a.sha256: self.store.put_document(a) for a in attachments}
        mail_id = self._insert_mail(raw, result, raw_path)
        self._insert_documents(mail_id, result, attachments, stored)
        keep(self.store, attachments)
        decision = {
            "verdict": result.verdict.value,
            "call": result.call,
            "missing": [str(k) for k in result.missing],
            "reasons": [r.as_dict() for r in result.reasons],
        }
        self.add_event(mail_id, "decision", decision)
        self.db.execute("delete from attempts where sha256 = ?", [raw.sha256])
        return mail_id

    def keep_parsing(self, mail_id: int, reader: str, parsing: parsings.Parsing) -> None:
        """What reading and classifying the mail gave, for a re-triage to judge from (storage.parsings)."""
        parsings.keep(self.store, mail_id, reader, parsing)

    def ledger_recorded(self, place: ledger.Place, uid: ledger.SeenUid, mail_id: int, **known: Any) -> None:
        """The ledger row of a UID whose mail is recorded in this unit of work, still to be filed."""
        ledger.add_row(self.store, place, uid, state=ledger.LedgerState.RECORDED, mail_id=mail_id, **known)

    def queue_reply(self, mail_id: int, reply: outbox_rows.ReplyRow) -> int | None:
        """Queue the reply to a mail recorded in this unit of work, unless one of its kind went lately."""
        return outbox_rows.queue_reply(self, mail_id, reply)

    def _insert_mail(self, raw: RawMail, result: TriageResult, raw_path: str) -> int:
        row = {
            "sha256": raw.sha256,
            "source": raw.source,
            "file": result.file,
            "message_id": result.message_id,
            "sender": result.sender,
            "sender_name": result.sender_name,
            "forwarded_by": result.forwarded_by or None,
            "subject": result.subject,
            "received_at": result.received_at.astimezone(UTC).isoformat(),
            "received_source": result.received_source.value,
            "call": result.call,
            "verdict": result.verdict.value,
            "missing": json.dumps([str(k) for k in result.missing]),
            "reasons": reasons.dump_all(result.reasons),
            "raw_path": raw_path,
            "size": raw.size,
            "recorded_at": utc_now().isoformat(),
        }
        return int(cast(int, self.db.table("mails").insert(row).last_pk))

    def _insert_documents(
        self, mail_id: int, result: TriageResult, attachments: Sequence[Attachment], stored: dict[str, str]
    ) -> None:
        safe_names = {a.sha256: a.safe_name for a in attachments}
        by_hash = {a.sha256: a for a in attachments}
        rows = [
            {
                "mail_id": mail_id,
                "filename": d.filename,
                "safe_name": safe_names.get(d.sha256, ""),
                "kind": d.kind.value,
                "mime": d.mime,
                "size": d.size,
                "sha256": d.sha256,
                "pages": d.pages,
                "problem": reasons.dump(d.problem),
                "inside": d.inside,
                "reasons": reasons.dump_all(d.reasons),
                "kinds": kinds_json(d),
                "path": stored.get(d.sha256),
                **ocr_columns(by_hash.get(d.sha256)),
            }
            for d in result.documents
        ]
        if rows:
            self.db.table("documents").insert_all(rows)
