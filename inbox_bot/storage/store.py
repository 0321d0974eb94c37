"""SQLite (sqlite-utils) and the files on disk: raw mails and attachments, each stored once by content hash.

The one door to the database. Writing goes through a unit of work the caller opens (`transaction()`, see
storage.transaction); the nouns (mails, ledger, outbox_rows, overrides, ...) read and write their own tables.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils.db import Table

from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import Attachment, DossierSoFar, RawMail, TriageResult
from inbox_bot.storage import extensions, mails, readings
from inbox_bot.storage.files import Files
from inbox_bot.storage.rows import utc_now
from inbox_bot.storage.schema import MIGRATIONS
from inbox_bot.storage.spool import Spool
from inbox_bot.storage.transaction import Transaction
from inbox_bot.triage.extract import Extracted

__all__ = ["Store", "Transaction", "utc_now"]


class Store:
    def __init__(self, database: Path, storage: Path) -> None:
        self.database = database
        self.storage = storage
        self.files = Files(storage)
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
            # One Store per thread of work; APScheduler may run a job on any of its pool threads, never two at once.
            self.db = sqlite_utils.Database(sqlite3.connect(str(database), check_same_thread=False))
            self.db.execute("PRAGMA journal_mode=WAL")
        except (OSError, sqlite3.OperationalError) as exc:  # not a corrupt file: that one is no config mistake
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ConfigError(
                f"cannot create or open the database {database}: {reason}",
                field="database",
                fix="set `database` to a file in a folder the service's user can write",
            ) from exc
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
    def transaction(self) -> Iterator[Transaction]:
        """A unit of work: everything written through it commits together, or nothing does. Nests (savepoints)."""
        with self.db.atomic():
            yield Transaction(self)

    # ------------------------------------------------------------ reading (see storage.mails for more)

    def mail_id_by_hash(self, sha256: str) -> int | None:
        return mails.mail_id_by_hash(self, sha256)

    def read_before(self, sha256: str) -> Extracted | None:
        """What OCR read of these bytes when a mail first brought them (the pipeline's Readings)."""
        return readings.read_before(self, sha256)

    def readings_for_threads(self) -> AbstractContextManager[Callable[[str], Extracted | None]]:
        """`read_before` that threads other than the store's may call: see `readings.shared_lookup`."""
        return readings.shared_lookup(self.database)

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        return mails.dossier(self, call, applicant, message_id)

    def call_of_thread(self, message_ids: Sequence[str]) -> str | None:
        """The one call the mails of a thread were about (received or sent by us); None if none or several."""
        return mails.call_of_thread(self, message_ids)

    def deadline_override(self, call: str, applicant: str) -> datetime | None:
        return extensions.deadline_override(self, call, applicant)

    def mails(
        self, *, call: str | None = None, verdict: str | None = None, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        return mails.mails(self, call=call, verdict=verdict, since=since)

    def documents(self, mail_id: int) -> list[dict[str, Any]]:
        return mails.documents(self, mail_id)

    def events(self, mail_id: int) -> list[dict[str, Any]]:
        return mails.events(self, mail_id)

    # ------------------------------------------------------------ writing

    def record(self, raw: RawMail, result: TriageResult, attachments: Sequence[Attachment]) -> int:
        """Keep a mail in a unit of work of its own; return its id. Recording the same bytes twice is a no-op."""
        existing = self.mail_id_by_hash(raw.sha256)
        if existing is not None:
            return existing
        with self.transaction() as tx:
            return tx.record_mail(raw, result, attachments)

    def add_event(self, mail_id: int | None, kind: str, detail: dict[str, Any]) -> None:
        with self.transaction() as tx:
            tx.add_event(mail_id, kind, detail)

    def write_files_early(self, raw: RawMail, attachments: Sequence[Attachment]) -> None:
        """Write the files `Transaction.record_mail` will keep, before the mail's turn (from a thread reading
        ahead, which holds no connection: this touches only the disk). They are content-addressed, so
        recording finds them there; a crash before the mail is recorded leaves at worst a file no row names,
        and a file that could not be written now is written, or its error raised, when the mail is recorded."""
        with suppress(OSError):
            self.put_raw(raw)
            for attachment in attachments:
                self.put_file("files", attachment.sha256, attachment.content)

    def keep_file(self, sha256: str, content: bytes) -> str:
        """`put_file` for a reading thread (triage.sandbox.Keep): the stored file's absolute path, for a sandbox
        worker to read a large file where the mail's files go, instead of a temporary copy of it."""
        return os.path.abspath(self.storage / self.put_file("files", sha256, content))

    def put_raw(self, raw: RawMail) -> str:
        """Store a mail's raw bytes under their hash: from memory, or from the file a large mail was fetched into."""
        if raw.spool is not None:
            return self.put_spooled("raw", raw.sha256, raw.spool)
        return self.put_file("raw", raw.sha256, raw.raw)

    def put_file(self, area: str, sha256: str, content: bytes) -> str:
        """Store bytes under their hash (no extension, no exec bit); return the path relative to storage."""
        return self.files.put_file(area, sha256, content)

    def put_spooled(self, area: str, sha256: str, spooled: Path) -> str:
        """Store a spooled file under its hash (a hard link, or a copy), never reading it into memory."""
        return self.files.put_spooled(area, sha256, spooled)

    def spool(self, mailbox: str) -> Spool:
        """The folder a mailbox's large mails are written to while they are fetched (storage.spool)."""
        return Spool(self.storage / "spool" / hashlib.sha256(mailbox.encode()).hexdigest()[:16])

    def path_of(self, area: str, sha256: str) -> str:
        """Where `put_file` keeps these bytes, relative to storage."""
        return self.files.path_of(area, sha256)

    def has_file(self, relative: str) -> bool:
        return (self.storage / relative).is_file()

    def read_file(self, relative: str) -> bytes:
        return (self.storage / relative).read_bytes()

    def file_bytes(self, sha256: str) -> bytes | None:
        """A document's bytes as the store keeps them (by hash), checked; None if gone or damaged."""
        try:
            data = self.read_file(self.path_of("files", sha256))
        except OSError:
            return None
        return data if hashlib.sha256(data).hexdigest() == sha256 else None

    def put_document(self, attachment: Attachment) -> str:
        """`put_file` for a mail's file; one read by a worker process (daemon.mailworkers) comes without its
        bytes, which the worker stored: never an empty file under its hash in their place."""
        if attachment.content or not attachment.size:
            return self.put_file("files", attachment.sha256, attachment.content)
        relative = self.path_of("files", attachment.sha256)
        if not self.has_file(relative):
            raise FileNotFoundError(errno.ENOENT, "a file of the mail is not in the store", attachment.sha256)
        return relative

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

    def attempt_given_back(self, sha256: str) -> None:
        """Uncount a try that was begun but never made (mails read ahead when the poll stopped on an error): only
        a try the process died in counts towards quarantine."""
        with self.transaction():
            self.db.execute("update attempts set count = count - 1 where sha256 = ? and count > 0", [sha256])

    def attempt_failed(self, sha256: str, error: str) -> None:
        with self.transaction():
            self.db.execute("update attempts set last_error = ? where sha256 = ?", [error[:500], sha256])
