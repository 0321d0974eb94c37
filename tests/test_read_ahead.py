"""Both cores: the pool of sandboxed workers, and the poller reading mails ahead (inbox_bot.daemon.readahead).

What must not change with it: mails are recorded in UID order whatever their reading costs, a document that
breaks its worker costs that document only, each worker keeps the limits of `[limits.extraction]`, and a mail
tried before is read with nothing beside it. No timing is asserted: waits have a generous guard only so that a
broken look-ahead fails instead of hanging.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fpdf import FPDF
from PIL import Image

from inbox_bot.config.settings import Settings
from inbox_bot.core.limits import ExtractionLimits
from inbox_bot.core.models import RawMail
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.daemon.readahead import ReadAhead
from inbox_bot.sources.memory import MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage.store import Store, Transaction
from inbox_bot.triage.pipeline import Pipeline, Read
from inbox_bot.triage.sandbox import Pool
from tests import hostile
from tests.docmakers import make_docx, make_pdf
from tests.pollkit import application, mailbox_settings, received
from tests.values import RULES

GUARD_S = 60.0  # a wait that should end at once; reaching it means the look-ahead is broken
CV = make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences"])


def look_ahead_poller(store: Store, server: MemoryServer, **extraction: Any) -> MailboxPoller:
    settings = Settings(limits={"extraction": {"workers": 2, **extraction}})
    pipeline = build_pipeline(settings, RULES)
    return MailboxPoller(
        mailbox_settings(),
        store,
        lambda: pipeline,
        max_mail_bytes=40_000_000,
        mailboxes=lambda box: MemoryMailbox(server, box.name, box.folder),
    )


def uid_of(raw: RawMail) -> int:
    return int(raw.source.rsplit("/", 1)[1])


def recorded_uids(store: Store) -> list[int]:
    """UIDs in the order their mails were recorded (mail ids grow with each unit of work)."""
    rows = store.db.query("select l.uid from ledger l join mails m on m.id = l.mail_id order by m.id")
    return [row["uid"] for row in rows]


class Reads:
    """ReadAhead._read watched (a mail read in a worker process, or in the thread): which reads were in flight
    together; a read may wait for another to begin."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.lock = threading.Lock()
        self.in_flight: set[int] = set()
        self.beside: dict[int, set[int]] = {}  # uid -> uids being read at some moment of its reading
        self.started: dict[int, threading.Event] = {}
        self.waits: dict[int, int] = {}  # uid -> the uid whose reading it waits for before it goes on
        self.waited: dict[int, bool] = {}
        original = ReadAhead._read

        def read(ahead: ReadAhead, pipeline: Pipeline, raw: RawMail) -> Read:
            uid = uid_of(raw)
            with self.lock:
                self.in_flight.add(uid)
                for other in self.in_flight:
                    self.beside.setdefault(other, set()).update(self.in_flight - {other})
                self.event(uid).set()
            try:
                if uid in self.waits:
                    self.waited[uid] = self.event(self.waits[uid]).wait(GUARD_S)
                return original(ahead, pipeline, raw)
            finally:
                with self.lock:
                    self.in_flight.discard(uid)

        monkeypatch.setattr(ReadAhead, "_read", read)

    def event(self, uid: int) -> threading.Event:
        return self.started.setdefault(uid, threading.Event())


def test_mails_are_recorded_in_uid_order_while_the_next_ones_are_read(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN eight applications; the first one's reading cannot end before the third one's has begun,
    # some carry one document, others four, one a PDF that takes its worker a while
    uids = []
    for n in range(8):
        mail = application(n)
        if n % 3 == 1:
            extra = [(b"Lettre.docx", make_docx(["Lettre"])), (b"slow.pdf", hostile.pdf_slow_to_read(5))]
            files = [(b"CV.pdf", CV), *extra, (b"Annexe.pdf", CV)]
            mail = hostile.application(*files, message_id=b"<ahead-%d@example.ma>" % n)
        uids.append(memory_server.append("INBOX", mail, internaldate=received(n)))
    reads = Reads(monkeypatch)
    reads.waits[uids[0]] = uids[2]
    # WHEN the inbox is polled with two workers
    report = look_ahead_poller(store, memory_server).poll()
    # THEN the first mail was still being read when the third began: the reading went ahead...
    assert reads.waited[uids[0]], "the third mail was not read while the first was"
    assert uids[2] in reads.beside[uids[0]]
    # ...and yet every mail was recorded in UID order, each with its documents
    assert report.recorded == 8
    assert recorded_uids(store) == uids
    documents = [len(store.documents(row["id"])) for row in store.db.query("select id from mails order by id")]
    assert documents == [4 if n % 3 == 1 else 1 for n in range(8)]


def test_a_mail_tried_before_is_read_alone(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN six applications, the fourth of which was being read when the process died once
    uids = [memory_server.append("INBOX", application(n), internaldate=received(n)) for n in range(6)]
    suspect = hashlib.sha256(application(3)).hexdigest()
    store.begin_attempt(suspect, "ngo/INBOX/1/4")
    reads = Reads(monkeypatch)
    # WHEN the inbox is polled with two workers
    report = look_ahead_poller(store, memory_server).poll()
    # THEN it was read with nothing beside it (so if it kills the process again, only it is counted), the
    # others were read ahead, and every mail was recorded, in order, leaving no try behind
    assert report.recorded == 6
    assert reads.beside.get(uids[3], set()) == set()
    assert any(reads.beside.get(uid) for uid in uids[:3] + uids[4:]), "the others were read ahead"
    assert recorded_uids(store) == uids
    assert store.attempts(suspect) == 0


def test_a_mails_files_are_written_by_its_reader_before_its_turn_and_a_failed_write_loses_nothing(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN four applications, and a disk that refuses the reading threads' first write of the third one
    uids = [memory_server.append("INBOX", application(n), internaldate=received(n)) for n in range(4)]
    refused = hashlib.sha256(application(2)).hexdigest()
    writers: list[str] = []
    on_disk_at_turn: list[bool] = []
    original_put, original_record = Store.put_file, Transaction.record_mail

    def put_file(self: Store, area: str, sha256: str, content: bytes) -> str:
        if sha256 == refused and threading.current_thread() is not threading.main_thread():
            raise OSError(28, "No space left on device")
        if area == "raw":
            writers.append(threading.current_thread().name)
        return original_put(self, area, sha256, content)

    def record_mail(tx: Transaction, raw: RawMail, result: Any, attachments: Any) -> int:
        paths = [tx.store.path_of("raw", raw.sha256), *(tx.store.path_of("files", a.sha256) for a in attachments)]
        on_disk_at_turn.append(all(tx.store.has_file(p) for p in paths))
        return original_record(tx, raw, result, attachments)

    monkeypatch.setattr(Store, "put_file", put_file)
    monkeypatch.setattr(Transaction, "record_mail", record_mail)
    # WHEN the inbox is polled with two workers
    report = look_ahead_poller(store, memory_server).poll()
    # THEN the reading threads wrote each mail's raw bytes and files before its turn, but the refused one's,
    # which recording wrote itself: every mail recorded, in order, with its files on disk
    assert report.recorded == 4 and recorded_uids(store) == uids
    assert on_disk_at_turn == [True, True, False, True]
    assert sum(name.startswith("read-ahead") for name in writers) == 3
    for row in store.db.query("select id, raw_path from mails"):
        assert store.has_file(row["raw_path"])
        assert all(store.has_file(d["path"]) for d in store.documents(row["id"]))


def cv_with_a_photo() -> bytes:
    """A CV over a megabyte: a page of text and a photo that does not compress (as a phone's does not)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for line in ("Curriculum vitae", "Expérience professionnelle", "Formation", "Compétences"):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    photo = Image.frombytes("RGB", (640, 640), random.Random(7).randbytes(640 * 640 * 3))
    pdf.image(photo, w=60)
    return bytes(pdf.output())


def test_a_large_file_is_read_by_its_worker_where_the_store_keeps_it(
    memory_server: MemoryServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an application whose CV, a photo in it, is over a megabyte: a file a worker reads from disk
    cv = cv_with_a_photo()
    assert len(cv) > 1024 * 1024
    memory_server.append("INBOX", hostile.application((b"CV.pdf", cv)), internaldate=received(0))
    copies: list[str] = []
    original_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        handle, name = original_mkstemp(*args, **kwargs)
        copies.append(name)
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    # WHEN the inbox is polled with two workers
    report = look_ahead_poller(store, memory_server).poll()
    # THEN the worker read the CV where the store keeps it (its text is there: a CV), with no copy of it
    # written for the worker and deleted after
    assert report.recorded == 1
    [document] = store.documents(store.db.execute("select id from mails").fetchone()[0])
    assert document["kind"] == "cv" and store.read_file(document["path"]) == cv
    assert copies == []


def test_each_worker_keeps_its_limits_and_a_document_over_them_costs_that_document_only(
    memory_server: MemoryServer, store: Store
) -> None:
    # GIVEN an application whose four files include one over the workers' memory limit and one that parses for
    # minutes, between two ordinary applications
    files = [
        (b"CV.pdf", CV),
        (b"Annexe_1.pdf", hostile.pdf_memory_bomb()),
        (b"Annexe_2.pdf", hostile.pdf_slow_to_read(1000)),  # minutes of parsing
        (b"Lettre.docx", make_docx(["Lettre de motivation"])),
    ]
    uids = [memory_server.append("INBOX", application(0), internaldate=received(0))]
    uids.append(memory_server.append("INBOX", hostile.application(*files), internaldate=received(1)))
    uids.append(memory_server.append("INBOX", application(2), internaldate=received(2)))
    # WHEN it is polled with two workers of 256 MB and five seconds each (the memory bomb is over its limit in
    # well under a second of CPU, even on a loaded machine)
    report = look_ahead_poller(store, memory_server, memory_mb=256, timeout_s=5).poll()
    # THEN the two files over a limit say which, the two others are read, and the mails around it are whole
    assert report.recorded == 3
    assert recorded_uids(store) == uids
    first, middle, last = (row["id"] for row in store.db.query("select id from mails order by id"))
    problems = {d["filename"]: json.loads(d["problem"]) if d["problem"] else None for d in store.documents(middle)}
    assert problems["CV.pdf"] is None and problems["Lettre.docx"] is None
    assert "memory limit" in json.dumps(problems["Annexe_1.pdf"])
    # pages of text operators: over the time or the memory limit, whichever it reaches first (the worker dies,
    # or pypdf's MemoryError is caught and said)
    assert re.search(r"over the (CPU )?time limit|memory limit", json.dumps(problems["Annexe_2.pdf"]))
    for mail_id in (first, last):
        assert [d["problem"] for d in store.documents(mail_id)] == [None]


@pytest.fixture
def pool() -> Iterator[Pool]:
    opened = Pool(ExtractionLimits(workers=2, timeout_s=60))
    try:
        yield opened
    finally:
        opened.close()


def test_a_worker_killed_in_the_middle_of_a_document_costs_that_document_only(pool: Pool) -> None:
    assert pool.size == 2
    with ThreadPoolExecutor(max_workers=1) as thread:
        slow = thread.submit(pool.extract, "pdf", hostile.pdf_slow_to_read(2000))
        busy = _busy_worker(pool)
        os.kill(busy, signal.SIGKILL)
        # the other worker reads while the first is down
        assert pool.extract("pdf", CV).text.startswith("Curriculum vitae")
        killed = slow.result(timeout=GUARD_S)
    assert killed.problem is not None
    assert "the worker died (signal SIGKILL" in json.dumps(killed.problem.as_dict())
    # the dead worker is replaced: both read again
    with ThreadPoolExecutor(max_workers=2) as threads:
        texts = list(threads.map(lambda _: pool.extract("pdf", CV).text, range(4)))
    assert all(text.startswith("Curriculum vitae") for text in texts)


def test_the_pool_has_one_worker_per_core_unless_told() -> None:
    assert ExtractionLimits().worker_count == (os.cpu_count() or 1)
    assert ExtractionLimits(workers=3).worker_count == 3


def _busy_worker(pool: Pool) -> int:
    """The pid of a worker process in the middle of a file."""
    deadline = time.monotonic() + GUARD_S
    while time.monotonic() < deadline:
        for sandbox in pool._workers:
            worker = sandbox._worker
            if sandbox._lock.locked() and worker is not None and worker.poll() is None:
                return worker.pid
        time.sleep(0.01)
    raise AssertionError("no worker took the file")
