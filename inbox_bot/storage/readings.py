"""What was read from a document, kept by its SHA-256 and the extractor's version: a file is read once (its
text, its pages, OCR of a scan), whatever mail brings it again, and a re-triage re-runs only what follows.

A reading (table `readings`, issue #16) is the text per page (a JSON list; while the readers give the first
pages as one text, it holds one entry) with the page count and OCR's note. It is written in the mail's unit
of work, and only for a reading that ran to the end: one cut by a time limit is tried again. The version is
`inbox_bot.triage.extract.EXTRACTOR`: a reading of another version is not served. What OCR read is also kept
with the document's row (documents.ocr, documents.ocr_text), which older stores have alone.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_bot.core.models import Attachment
from inbox_bot.storage.rows import utc_now
from inbox_bot.triage.extract import EXTRACTOR, OCR_DONE, Extracted

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def ocr_columns(attachment: Attachment | None) -> dict[str, str | None]:
    """A document row's OCR columns: its note when OCR was tried, its text when the reading ran to the end."""
    if attachment is None or attachment.ocr is None:
        return {"ocr": None, "ocr_text": None}
    return {"ocr": attachment.ocr, "ocr_text": attachment.text if attachment.ocr.startswith(OCR_DONE) else None}


def read_before(store: Store, sha256: str) -> Extracted | None:
    return _lookup(store.db.conn, sha256)


@contextmanager
def shared_lookup(database: Path) -> Iterator[Callable[[str], Extracted | None]]:
    """`read_before` for the threads that read mails ahead: a connection of their own (the store's is the
    recording thread's, in the middle of its units of work), one lookup at a time; it sees what is committed."""
    connection = sqlite3.connect(str(database), check_same_thread=False)
    lock = threading.Lock()

    def lookup(sha256: str) -> Extracted | None:
        with lock:
            return _lookup(connection, sha256)

    try:
        connection.execute("PRAGMA busy_timeout=10000")
        yield lookup
    finally:
        with lock:
            connection.close()


def _lookup(connection: sqlite3.Connection, sha256: str) -> Extracted | None:
    row = connection.execute(
        "select texts, pages, ocr from readings where sha256 = ? and extractor = ?", [sha256, EXTRACTOR]
    ).fetchone()
    if row is not None:
        return Extracted(text="\n".join(json.loads(row[0])), pages=row[1], ocr=row[2])
    row = connection.execute(
        "select ocr, ocr_text, pages from documents where sha256 = ? and ocr_text is not null limit 1", [sha256]
    ).fetchone()
    return Extracted(text=row[1], pages=row[2], ocr=row[0]) if row is not None else None


def keep(store: Store, attachments: Sequence[Attachment]) -> None:
    """Keep what was read from these files (the readings worth keeping); the latest of a version wins."""
    at = utc_now().isoformat()
    rows = [
        (a.sha256, a.reading, json.dumps([a.text], ensure_ascii=False), a.pages, a.ocr, at)
        for a in attachments
        if a.reading is not None
    ]
    if rows:
        store.db.conn.executemany(
            "insert or replace into readings (sha256, extractor, texts, pages, ocr, at) values (?, ?, ?, ?, ?, ?)",
            rows,
        )


def count(store: Store) -> int:
    return int(store.db.execute("select count(*) from readings").fetchone()[0])
