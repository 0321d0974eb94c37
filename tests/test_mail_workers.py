"""Whole mails read in worker processes (inbox_bot.daemon.mailworkers): the daemon only judges and records.

What must hold: a worker reads a mail as the daemon's thread would have; what it answers is checked as any input
(a worker taken over by a hostile file must not be believed); a mail it cannot read to the end is read again
file by file, each file under the limits of its own sandbox; a refusal is final.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from inbox_bot.core.limits import DEFAULT_LIMITS, ExtractionLimits
from inbox_bot.core.models import RawMail, Verdict
from inbox_bot.daemon import mailworkers
from inbox_bot.daemon.mailworkers import MailWorker
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.storage.store import Store
from inbox_bot.triage.classify import classify
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline, Read
from tests import hostile
from tests.docmakers import make_docx, make_pdf
from tests.pollkit import received
from tests.test_read_ahead import look_ahead_poller
from tests.values import RULES

ROOT = Path(__file__).resolve().parents[1]
CV = make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences"])
LETTER = make_docx(["Lettre de motivation", "Madame, Monsieur, je vous propose ma candidature."])


class ReadsHere:
    """Pipeline.read in the daemon's process, counted: a mail read by a worker never comes through it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sources: list[str] = []
        original = Pipeline.read

        def read(pipeline: Pipeline, raw: RawMail, *args: Any, **kwargs: Any) -> Read:
            self.sources.append(raw.source)
            return original(pipeline, raw, *args, **kwargs)

        monkeypatch.setattr(Pipeline, "read", read)


def raw_of(path: Path) -> RawMail:
    data = path.read_bytes()
    return RawMail(source=path.name, raw=data, sha256=hashlib.sha256(data).hexdigest())


def test_a_worker_reads_each_sample_mail_as_the_daemon_would(store: Store) -> None:
    # GIVEN the sample inbox (Gmail, Outlook, Thunderbird and Apple Mail mail, phone scans, zips, bounces)
    pipeline = Pipeline({}, DEFAULT_LIMITS)
    workers = mailworkers.MailWorkers(DEFAULT_LIMITS)
    where = mailworkers.Where(store.storage.resolve(), store.database.resolve())
    try:
        for path in sorted((ROOT / "examples" / "inbox").glob("*.eml")):
            raw = raw_of(path)
            # WHEN a worker reads it, from where the store keeps it
            by_worker = workers.read(raw, (store.storage / store.put_raw(raw)).resolve(), where)
            # THEN it read what the daemon's thread reads, and left each file in the store, by its hash
            here = pipeline.read(raw)
            assert by_worker is not None, path.name
            assert by_worker.refusal == here.refusal, path.name
            assert by_worker.parsed is not None and here.parsed is not None, path.name
            assert by_worker.parsed.model_dump(exclude={"parts"}) == here.parsed.model_dump(exclude={"parts"})
            assert [a.model_dump() for a in by_worker.attachments] == [a.model_dump() for a in here.attachments]
            assert by_worker.classified == [classify(a) for a in here.attachments], path.name
            assert all(store.file_bytes(a.sha256) == a.content for a in here.attachments), path.name
    finally:
        workers.close()


def test_a_polled_mail_is_read_by_a_worker_and_only_judged_and_recorded_here(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN two applications
    for n in range(2):
        mail = hostile.application((b"CV.pdf", CV), (b"Lettre.docx", LETTER), message_id=b"<w-%d@example.ma>" % n)
        memory_server.append("INBOX", mail, internaldate=received(n))
    here = ReadsHere(monkeypatch)
    # WHEN the inbox is polled
    report = look_ahead_poller(store, memory_server).poll()
    # THEN neither mail was read in the daemon's process, and both are recorded with their files and kinds
    assert report.recorded == 2
    assert here.sources == []
    for row in store.db.query("select id from mails"):
        documents = store.documents(row["id"])
        assert sorted(d["kind"] for d in documents) == ["cover_letter", "cv"]
        assert {store.read_file(d["path"]) for d in documents} == {CV, LETTER}


def test_every_realworld_mail_polled_is_read_by_a_worker_and_judged_as_in_the_daemon(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the 242 real-world mails nobody here wrote (bounces, auto-replies, spam, broken MIME, charsets)
    paths = sorted((ROOT.parent / "shared" / "corpus" / "realworld").rglob("*.eml"))
    assert len(paths) == 242
    for n, path in enumerate(paths):
        memory_server.append("INBOX", path.read_bytes(), internaldate=received(n))
    here = ReadsHere(monkeypatch)
    # WHEN the inbox is polled
    report = look_ahead_poller(store, memory_server).poll()
    # THEN every mail was read by a worker, none in the daemon's process, and each got the verdict the daemon's
    # own reading gives it, with no internal error
    assert report.recorded == 242
    assert here.sources == []
    polled = {row["sha256"]: row for row in store.mails()}
    pipeline = Pipeline(RULES)
    for path in paths:
        expected = pipeline.triage(raw_of(path), MemoryHistory()).result
        row = polled[hashlib.sha256(path.read_bytes()).hexdigest()]
        assert (row["verdict"], row["call"]) == (expected.verdict.value, expected.call), path.name
        assert "triage_failed" not in json.dumps(row["reasons"]), path.name


def test_a_mail_its_worker_cannot_read_in_time_is_read_again_file_by_file(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an application whose annex takes minutes to parse
    files = [(b"CV.pdf", CV), (b"Annexe.pdf", hostile.pdf_slow_to_read(1000)), (b"Lettre.docx", LETTER)]
    memory_server.append("INBOX", hostile.application(*files), internaldate=received(0))
    here = ReadsHere(monkeypatch)
    # WHEN it is polled with workers given five seconds a file
    report = look_ahead_poller(store, memory_server, timeout_s=5).poll()
    # THEN its worker, given one file's time for the whole mail, was stopped, and the mail read again in the
    # daemon's thread, each file in a sandbox of its own: the annex says it is over the time limit (or the
    # memory limit, whichever it reaches first), and the two other files are read
    assert report.recorded == 1
    assert len(here.sources) == 1
    [mail_id] = [row["id"] for row in store.db.query("select id from mails")]
    problems = {d["filename"]: d["problem"] for d in store.documents(mail_id)}
    assert problems["CV.pdf"] is None and problems["Lettre.docx"] is None
    assert re.search(r"over the (CPU )?time limit|memory limit", str(problems["Annexe.pdf"]))


def test_a_refusal_by_the_worker_is_final(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a mail nested deeper than any mail client writes
    memory_server.append("INBOX", hostile.nested_multipart(200), internaldate=received(0))
    here = ReadsHere(monkeypatch)
    # WHEN it is polled
    look_ahead_poller(store, memory_server).poll()
    # THEN the worker's refusal stands: recorded for a person, never parsed in the daemon's process
    [row] = store.mails()
    assert row["verdict"] == Verdict.NEEDS_REVIEW.value
    assert [r["code"] for r in row["reasons"]] == ["mail_refused"]
    assert here.sources == []


# A worker that answers what it is told to, whatever the mail: one a hostile file has taken over
_TOLD = (
    "import struct, sys\n"
    "answer = sys.argv[3].encode()\n"
    "out = sys.stdout.buffer\n"
    "out.write(b'ready\\n'); out.flush()\n"
    "while header := sys.stdin.buffer.read(4):\n"
    "    sys.stdin.buffer.read(struct.unpack('>I', header)[0])\n"
    "    out.write(struct.pack('>I', len(answer)) + answer); out.flush()\n"
)


class _Told(MailWorker):
    entry = _TOLD


def _parsed() -> dict[str, Any]:
    return {
        "message_id": "<x@example.ma>", "subject": "Candidature", "sender": "a@example.ma", "sender_name": "A",
        "recipients": ["recrutement@example.org"], "received_at": "2026-12-01T10:00:00+00:00",
        "received_source": "server", "body": "Bonjour",
    }


def _file(**change: Any) -> dict[str, Any]:
    return {"filename": "CV.pdf", "safe_name": "CV.pdf", "mime": "application/pdf", "size": 10,
            "sha256": "0" * 64, "text": "Curriculum vitae", **change}


def _kind(**change: Any) -> dict[str, Any]:
    return {"filename": "CV.pdf", "kind": "cv", "mime": "application/pdf", "size": 10, "sha256": "0" * 64, **change}


@pytest.mark.parametrize(
    ("answer", "believed"),
    [
        ({"parsed": _parsed(), "attachments": [_file()], "classified": [_kind()]}, True),
        ({"parsed": _parsed(), "attachments": [_file()], "classified": []}, False),  # a file without its kinds
        ({"parsed": _parsed(), "attachments": [_file()], "classified": [_kind(kind="passport")]}, False),
        ({"parsed": _parsed(), "attachments": [_file()], "classified": [_kind(sha256="f" * 64)]}, False),
        ({"refusal": "the mail is nested 200 levels deep"}, True),
        ({}, False),  # not read to the end
        ({"parsed": _parsed(), "attachments": [_file(content="MZ\x90 a program")]}, False),  # bytes: not its to give
        ({"parsed": {**_parsed(), "received_at": "yesterday"}, "attachments": []}, False),
        ({"parsed": _parsed(), "attachments": [_file(size="large")]}, False),
        ({"refusal": "x" * 5000}, False),
        ("not json at all", False),
    ],
)
def test_what_a_worker_answers_is_checked_before_it_is_believed(answer: Any, believed: bool, tmp_path: Path) -> None:
    raw = RawMail(source="INBOX/1", raw=b"Subject: x\r\n\r\nx\r\n", sha256="1" * 64)
    told = answer if isinstance(answer, str) else json.dumps(answer)
    worker = _Told(ExtractionLimits(timeout_s=30), told)
    try:
        read = worker.read(raw, tmp_path / "raw", mailworkers.Where(tmp_path, tmp_path / "db.sqlite"))
    finally:
        worker.close()
    assert (read is not None) is believed
    if read is not None and read.parsed is not None:
        assert [a.content for a in read.attachments] == [b""]
