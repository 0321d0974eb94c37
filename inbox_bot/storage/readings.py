"""What OCR read of a document, kept with its row (documents.ocr, documents.ocr_text): a scan is read once.

A later mail bringing the same bytes, or a re-triage, finds the reading here by SHA-256 instead of running
Tesseract again. Only a reading that ran to the end is kept: one cut by a time limit is tried again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox_bot.core.models import Attachment
from inbox_bot.triage.extract import OCR_DONE, Extracted

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store


def ocr_columns(attachment: Attachment | None) -> dict[str, str | None]:
    """A document row's OCR columns: its note when OCR was tried, its text when the reading ran to the end."""
    if attachment is None or attachment.ocr is None:
        return {"ocr": None, "ocr_text": None}
    return {"ocr": attachment.ocr, "ocr_text": attachment.text if attachment.ocr.startswith(OCR_DONE) else None}


def read_before(store: Store, sha256: str) -> Extracted | None:
    rows = list(store.db.query(
        "select ocr, ocr_text, pages from documents where sha256 = ? and ocr_text is not null limit 1", [sha256]
    ))
    return Extracted(text=rows[0]["ocr_text"], pages=rows[0]["pages"], ocr=rows[0]["ocr"]) if rows else None
