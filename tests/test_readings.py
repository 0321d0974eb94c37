"""What was read from a document is kept by its hash and the extractor's version, and read from there again:
by a second mail carrying the same file, and by a re-triage (issue #16). GIVEN/WHEN/THEN on the sample inbox.
"""

from __future__ import annotations

import json

import pytest

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import DossierSoFar, RawMail
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.operator.replay import ReplayHistory
from inbox_bot.sources.files import read_paths
from inbox_bot.storage import readings
from inbox_bot.storage.store import Store
from inbox_bot.triage.attachments import read_attachments
from inbox_bot.triage.extract import EXTRACTOR, Extracted
from inbox_bot.triage.pipeline import Pipeline
from tests.test_pipeline import INBOX
from tests.values import RULES

SENTINEL = "Texte gardé : ce qui a été lu de ce fichier la première fois."


class _NoHistory:
    """A history that knows nothing and keeps no readings: every file is read."""

    def dossier(self, call: str, applicant: str, message_id: str | None = None) -> DossierSoFar:
        return DossierSoFar()


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return build_pipeline(Settings(), RULES)


@pytest.fixture(scope="module")
def with_documents(pipeline: Pipeline) -> RawMail:
    """A sample mail carrying at least two documents whose text was read."""
    for raw in read_paths([INBOX]):
        read = [a for a in pipeline.triage(raw, _NoHistory()).attachments if a.reading is not None]
        if len(read) >= 2 and all(a.text for a in read):
            return raw
    raise AssertionError("no sample mail with two readable documents")


def _forge(store: Store, sha256: str) -> None:
    """Make the kept reading say something the file does not: only a reuse can bring it back."""
    store.db.execute("update readings set texts = ? where sha256 = ?", [json.dumps([SENTINEL]), sha256])


def test_a_recorded_mail_keeps_what_was_read_and_the_next_copy_reads_it_from_there(
    store: Store, pipeline: Pipeline, with_documents: RawMail
) -> None:
    # GIVEN a mail triaged and recorded
    first = pipeline.triage(with_documents, store)
    store.record(first.raw, first.result, first.attachments)
    read = [a for a in first.attachments if a.reading == EXTRACTOR]
    # THEN each document read is kept under its hash and the extractor's version, text and page count
    for a in read:
        kept = store.read_before(a.sha256)
        assert kept is not None and (kept.text, kept.pages) == (a.text, a.pages)
    assert readings.count(store) == len({a.sha256 for a in read})
    # WHEN the same file comes again (a second copy), its kept reading is what the triage sees
    _forge(store, read[0].sha256)
    again = pipeline.triage(with_documents, store)
    texts = {a.sha256: a.text for a in again.attachments}
    assert texts[read[0].sha256] == SENTINEL
    assert texts[read[1].sha256] == read[1].text
    # AND a reading of another version of the extractor is not served
    store.db.execute("update readings set extractor = 'text-0' where sha256 = ?", [read[0].sha256])
    assert store.read_before(read[0].sha256) is None


def test_a_retriage_reads_no_file_again(store: Store, pipeline: Pipeline, with_documents: RawMail) -> None:
    first = pipeline.triage(with_documents, store)
    mail_id = store.record(first.raw, first.result, first.attachments)
    document = next(a for a in first.attachments if a.reading == EXTRACTOR)
    _forge(store, document.sha256)
    history = ReplayHistory(store)
    history.at(mail_id)
    judged = pipeline.triage(with_documents, history)
    assert {a.sha256: a.text for a in judged.attachments}[document.sha256] == SENTINEL


def test_a_reading_without_ocr_does_not_stand_for_ocr_of_a_scan(pipeline: Pipeline, with_documents: RawMail) -> None:
    pdf = next(a for a in pipeline.triage(with_documents, _NoHistory()).attachments if a.reading is not None)
    kept = {pdf.sha256: Extracted(text=SENTINEL, pages=7)}
    # a name that says the kind: no OCR is wanted, the kept reading serves
    [named] = read_attachments([("cv.pdf", pdf.content)], known=kept.get)
    assert (named.text, named.pages, named.reading) == (SENTINEL, 7, EXTRACTOR)
    # a name that says nothing: OCR would be wanted for a scan, and a short text without OCR's note is not kept
    # as standing for it; the file is read again
    kept[pdf.sha256] = Extracted(text="p. 1", pages=1)
    [unnamed] = read_attachments([("IMG_0001.pdf", pdf.content)], known=kept.get)
    assert unnamed.text == pdf.text
