"""SQLite (sqlite-utils) and the files on disk: raw mails and attachments, each stored once by content hash.

A mail is written in one transaction with its documents and the event of its decision, so a crash leaves
either all of it or none of it; files are written first, under their hash, so writing them again is harmless.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import sqlite_utils
from sqlite_utils.db import Table

from inbox_bot.core.models import Attachment, DocumentKind, DossierSoFar, RawMail, TriageResult, Verdict
from inbox_bot.storage.schema import MIGRATIONS

# Mails whose documents count towards an applicant's dossier: on time, and ours to judge.
DOSSIER_VERDICTS = (Verdict.COMPLETE.value, Verdict.INCOMPLETE.value, Verdict.NEEDS_REVIEW.value)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    def __init__(self, database: Path, storage: Path) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        self.storage = storage
        # One Store per thread of work; APScheduler may run a job on any of its pool threads, never two at once.
        self.db = sqlite_utils.Database(sqlite3.connect(str(database), check_same_thread=False))
        self.db.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL survives a process crash (the common case) and costs no fsync per mail.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA busy_timeout=10000")
        MIGRATIONS.apply(self.db)

    def close(self) -> None:
        self.db.close()

    def table(self, name: str) -> Table:
        return self.db.table(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.atomic():
            yield

    # ------------------------------------------------------------ reading

    def mail_id_by_hash(self, sha256: str) -> int | None:
        rows = list(self.db.query("select id from mails where sha256 = ?", [sha256]))
        return int(rows[0]["id"]) if rows else None

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        """What is recorded for this applicant and call. With `message_id`, `message_ids` holds it alone when the
        call already has a mail of that Message-ID: one indexed look-up instead of every id of the call."""
        kinds = self.db.query(
            "select distinct d.kind from documents d join mails m on m.id = d.mail_id "
            "where m.call = ? and m.sender = ? and d.problem is null and m.verdict in (?, ?, ?)",
            [call, applicant, *DOSSIER_VERDICTS],
        )
        hashes = self.db.query(
            "select distinct d.sha256 from documents d join mails m on m.id = d.mail_id "
            "where m.call = ? and m.sender = ?",
            [call, applicant],
        )
        if message_id is not None:
            ids = self.db.execute(
                "select message_id from mails where message_id = ? and call = ? limit 1", [message_id, call]
            ).fetchall()
        else:
            ids = self.db.execute("select message_id from mails where call = ?", [call]).fetchall()
        count = self.db.query("select count(*) as n from mails where call = ? and sender = ?", [call, applicant])
        return DossierSoFar(
            kinds=frozenset(DocumentKind(r["kind"]) for r in kinds),
            document_hashes=frozenset(r["sha256"] for r in hashes),
            message_ids=frozenset(row[0] for row in ids),
            mails=int(next(iter(count))["n"]),
            deadline_override=self.deadline_override(call, applicant),
        )

    def deadline_override(self, call: str, applicant: str) -> datetime | None:
        if not self.db.table("extensions").exists():
            return None
        # The latest word for the whole call and the latest for this applicant (a later row corrects an
        # earlier one); the applicant gets the later of the two, so a call-wide extension never shortens theirs.
        latest: dict[bool, datetime] = {}
        for row in self.db.query(
            "select applicant, until from extensions where call = ? and (applicant is null or applicant = ?) "
            "order by id",
            [call, applicant],
        ):
            latest[row["applicant"] is None] = datetime.fromisoformat(row["until"])
        return max(latest.values()) if latest else None

    def mails(
        self, *, call: str | None = None, verdict: str | None = None, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        where, params = ["1 = 1"], []
        if call is not None:
            where.append("call = ?")
            params.append(call)
        if verdict is not None:
            where.append("verdict = ?")
            params.append(verdict)
        if since is not None:
            where.append("received_at >= ?")
            params.append(since.astimezone(UTC).isoformat())
        sql = f"select * from mails where {' and '.join(where)} order by received_at, id"  # noqa: S608
        return [self._decode(row) for row in self.db.query(sql, params)]

    def documents(self, mail_id: int) -> list[dict[str, Any]]:
        return [
            self._decode(r) for r in self.db.query("select * from documents where mail_id = ? order by id", [mail_id])
        ]

    def events(self, mail_id: int) -> list[dict[str, Any]]:
        return [self._decode(r) for r in self.db.query("select * from events where mail_id = ? order by id", [mail_id])]

    @staticmethod
    def _decode(row: dict[str, Any]) -> dict[str, Any]:
        for key in ("missing", "reasons", "recipients", "detail", "documents"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        return row

    # ------------------------------------------------------------ writing

    def record(
        self,
        raw: RawMail,
        result: TriageResult,
        attachments: Sequence[Attachment],
        also: Callable[[int], None] | None = None,
    ) -> int:
        """Keep the mail, its files and its decision; return its id. Recording the same bytes twice is a no-op."""
        existing = self.mail_id_by_hash(raw.sha256)
        if existing is not None:
            return existing
        raw_path = self.put_file("raw", raw.sha256, raw.raw)
        stored = {a.sha256: self.put_file("files", a.sha256, a.content) for a in attachments}
        with self.transaction():
            mail_id = self._insert_mail(raw, result, raw_path)
            self._insert_documents(mail_id, result, attachments, stored)
            self.add_event(
                mail_id,
                "decision",
                {
                    "verdict": result.verdict.value,
                    "call": result.call,
                    "missing": [k.value for k in result.missing],
                    "reasons": result.reasons,
                },
            )
            if also is not None:  # e.g. the reply to send, so decision and reply commit together
                also(mail_id)
        return mail_id

    def _insert_mail(self, raw: RawMail, result: TriageResult, raw_path: str) -> int:
        row = {
            "sha256": raw.sha256,
            "source": raw.source,
            "file": result.file,
            "message_id": result.message_id,
            "sender": result.sender,
            "sender_name": result.sender_name,
            "subject": result.subject,
            "received_at": result.received_at.astimezone(UTC).isoformat(),
            "received_source": result.received_source.value,
            "call": result.call,
            "verdict": result.verdict.value,
            "missing": json.dumps([k.value for k in result.missing]),
            "reasons": json.dumps(result.reasons, ensure_ascii=False),
            "raw_path": raw_path,
            "size": len(raw.raw),
            "recorded_at": utc_now().isoformat(),
        }
        return int(cast(int, self.db.table("mails").insert(row).last_pk))

    def _insert_documents(
        self, mail_id: int, result: TriageResult, attachments: Sequence[Attachment], stored: dict[str, str]
    ) -> None:
        safe_names = {a.sha256: a.safe_name for a in attachments}
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
                "problem": d.problem,
                "inside": d.inside,
                "reasons": json.dumps(d.reasons, ensure_ascii=False),
                "path": stored.get(d.sha256),
            }
            for d in result.documents
        ]
        if rows:
            self.db.table("documents").insert_all(rows)

    def add_event(self, mail_id: int | None, kind: str, detail: dict[str, Any]) -> None:
        self.db.table("events").insert(
            {
                "mail_id": mail_id,
                "at": utc_now().isoformat(),
                "kind": kind,
                "detail": json.dumps(detail, ensure_ascii=False, default=str),
            }
        )

    def put_file(self, area: str, sha256: str, content: bytes) -> str:
        """Store bytes under their hash (no extension, no exec bit); return the path relative to storage."""
        relative = Path(area) / sha256[:2] / sha256
        target = self.storage / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(content)
                os.chmod(temporary, 0o600)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        return relative.as_posix()

    def read_file(self, relative: str) -> bytes:
        return (self.storage / relative).read_bytes()

    # ------------------------------------------------------------ tries at a mail that keeps failing

    def attempts(self, sha256: str) -> int:
        """How many tries at triaging these bytes began without the mail being recorded."""
        rows = list(self.db.query("select count from attempts where sha256 = ?", [sha256]))
        return int(rows[0]["count"]) if rows else 0

    def begin_attempt(self, sha256: str, source: str) -> None:
        """Count one more try, committed before the try: if it kills the process, it has still been counted."""
        with self.transaction():
            self.db.execute(
                "insert into attempts (sha256, source, count, at) values (?, ?, 1, ?) "
                "on conflict(sha256) do update set count = count + 1, source = excluded.source, at = excluded.at",
                [sha256, source, utc_now().isoformat()],
            )

    def attempt_failed(self, sha256: str, error: str) -> None:
        with self.transaction():
            self.db.execute("update attempts set last_error = ? where sha256 = ?", [error[:500], sha256])

    def clear_attempts(self, sha256: str) -> None:
        self.db.execute("delete from attempts where sha256 = ?", [sha256])
