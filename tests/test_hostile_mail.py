"""Issue #6, the mail itself: whatever arrives gets a recorded verdict with a reason, the process survives it,
memory stays bounded, and a mail that keeps killing the process is quarantined instead of retried forever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import inbox_bot.triage.pipeline
from inbox_bot.config.settings import Settings
from inbox_bot.core.models import RawMail, Verdict
from inbox_bot.core.reasons import ReasonCode, load, reason
from inbox_bot.daemon.folder_sources import record_all
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.recording import record_mail, triage_counted
from inbox_bot.sources.files import raw_mail, read_paths
from inbox_bot.storage.store import Store
from inbox_bot.triage import mimescan
from inbox_bot.triage.mimescan import scan_mail
from inbox_bot.triage.parse import parse
from inbox_bot.triage.pipeline import MemoryHistory, Pipeline, Triaged
from tests import hostile
from tests.docmakers import make_pdf
from tests.values import RULES, english

ROOT = Path(__file__).resolve().parents[1]
REALWORLD = ROOT.parent / "shared" / "corpus" / "realworld"
SAMPLES = ROOT / "examples" / "inbox"
CV = make_pdf(["Curriculum vitae", "Expérience professionnelle"])


def triage(raw: bytes, pipeline: Pipeline | None = None) -> Triaged:
    return (pipeline or Pipeline(RULES)).triage(raw_mail("hostile.eml", raw), MemoryHistory())


def assert_judged(triaged: Triaged) -> None:
    """A verdict with a reason, and no internal error caught on the way."""
    result = triaged.result
    assert result.verdict in set(Verdict)
    assert result.reasons
    assert not any(reason.code is ReasonCode.TRIAGE_FAILED for reason in result.reasons), result.reasons


# ---------------------------------------------------------------- limits checked before any parser


def test_a_mail_over_the_size_limit_is_recorded_for_review_unparsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parser(*args: object) -> None:
        raise AssertionError("an oversized mail reached the parser")

    monkeypatch.setattr(inbox_bot.triage.pipeline, "parse", no_parser)
    settings = Settings.model_validate({"limits": {"max_mail_mb": 0.5}})
    triaged = triage(hostile.big_mail(1), build_pipeline(settings, RULES))
    assert triaged.result.verdict is Verdict.NEEDS_REVIEW
    assert english(triaged.result.reasons)[0].endswith("over the 0.5 MB limit: not parsed")
    assert triaged.result.sender == "karim.alaoui@example.ma", "the headers still tell the reviewer who sent it"


STRUCTURES = {
    "1,000 nested multiparts": (hostile.nested_multipart(1000),
                                "MIME structure nested deeper than 50 levels: not parsed"),
    "20,000 tiny parts": (hostile.tiny_parts(20_000), "more than 5000 MIME parts: not parsed"),
    "1 MB header": (hostile.head(extra=b"X-Long: " + b"a" * 1024 * 1024 + b"\r\n") + b"\r\nbody",
                    "a header block of over 256 KB"),
    "20 KB Content-Type": (hostile.head() + b"Content-Type: multipart/mixed; " + b"a=b; " * 4000
                           + b"boundary=x\r\n\r\n--x\r\n\r\nhi\r\n--x--", "a content-type header of over 16 KB"),
    "delimiter flood": (hostile.head() + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + b"--B\r\n" * 6000
                        + b"--B--\r\n", "more than 5000 MIME parts"),
}


@pytest.mark.parametrize("name", sorted(STRUCTURES))
def test_hostile_structures_are_refused_with_the_limit_they_broke(name: str) -> None:
    raw, reason = STRUCTURES[name]
    triaged = triage(raw)
    assert triaged.result.verdict is Verdict.NEEDS_REVIEW
    assert english(triaged.result.reasons)[0].startswith(reason)
    assert triaged.parsed is None


def test_the_standard_library_would_have_recursed_out_on_the_deep_mail() -> None:
    # Why depth is checked on the bytes: the parser's recursion is the thing that fails
    import email

    with pytest.raises(RecursionError):
        list(email.message_from_bytes(hostile.nested_multipart(1000)).walk())


def test_limits_come_from_the_settings() -> None:
    settings = Settings.model_validate(
        {"limits": {"max_mime_parts": 10, "max_mime_depth": 3, "max_header_kb": 4, "max_attempts": 5}}
    )
    pipeline = build_pipeline(settings, RULES)
    assert pipeline.limits.max_attempts == 5
    assert english(triage(hostile.tiny_parts(11), pipeline).result.reasons)[0].startswith("more than 10 MIME parts")
    nested = english(triage(hostile.nested_multipart(3), pipeline).result.reasons)
    assert nested[0].startswith("MIME structure nested deeper")
    assert triage(hostile.tiny_parts(5), pipeline).result.verdict is not Verdict.NEEDS_REVIEW


def test_five_hundred_attachments_are_read() -> None:
    triaged = triage(hostile.big_mail(2, files=500))
    assert_judged(triaged)
    assert len(triaged.attachments) == 500


# ---------------------------------------------------------------- malformed MIME: a verdict, never an exception

MALFORMED = {
    "empty": b"",
    "only headers": b"From: a@example.ma\r\nTo: mouvementalci@gmail.com\r\nSubject: x",
    "headers, no body": hostile.head(),
    "missing boundary": hostile.head() + b"Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n",
    "missing close boundary": hostile.head() + hostile.multipart([hostile.text_part()])[:-19],
    "boundary never used": hostile.head() + b'Content-Type: multipart/mixed; boundary="z"\r\n\r\nno parts at all\r\n',
    "wrong charsets": hostile.head(subject=b"=?x-unknown?q?abc?= =?utf-7?b?+ZeVnLIqe-?=")
    + b"Content-Type: text/plain; charset=uft-8\r\n\r\n\xe9t\xe9\r\n",
    "broken base64": hostile.head() + hostile.multipart(
        [b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x!!!===A"]),
    "8-bit headers": hostile.head(sender=b"\xc3\xa9\xff\xfe <a@example.ma>", subject=b"\xff\xfe\x00\x01") + b"\r\nhi",
    "NUL bytes": hostile.head() + b"\r\n\x00\x00body\x00",
    "1 MB header line": hostile.head(subject=b"=?utf-8?q?a?= " * 75_000) + b"\r\nbody",
    "CR only": hostile.application((b"CV.pdf", CV)).replace(b"\r\n", b"\r"),
    "bare LF": hostile.application((b"CV.pdf", CV)).replace(b"\r\n", b"\n"),
    "nested parens in From": hostile.head(sender=b"(" * 100_000 + b"a@example.ma") + b"\r\nbody",
    "binary junk": bytes(range(256)) * 64,
    "message/rfc822 loop": hostile.head() + b"Content-Type: message/rfc822\r\n\r\n" * 40 + b"\r\nend",
    "delivery-status only": hostile.head() + b"Content-Type: message/delivery-status\r\n\r\nA: b\r\n\r\nC",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_mime_gets_a_verdict(name: str) -> None:
    assert_judged(triage(MALFORMED[name]))


def test_an_encoded_display_name_with_cr_lf_cannot_change_the_sender_or_add_a_header() -> None:
    forged = b"=?utf-8?q?Karim=0D=0ABcc:_victim@example.org?= <karim.alaoui@example.ma>"
    triaged = triage(hostile.application((b"CV.pdf", CV), sender=forged))
    assert triaged.result.sender == "karim.alaoui@example.ma"
    assert triaged.result.sender_name == "Karim Bcc: victim@example.org"
    assert triaged.result.call == "alci-guide-2024"


# ---------------------------------------------------------------- large bodies skip the parser


def corpus() -> list[RawMail]:
    return list(read_paths([REALWORLD, SAMPLES]))


def test_cutting_bodies_out_changes_nothing_the_parser_finds() -> None:
    """Every sample and real-world mail, parsed whole and parsed as a skeleton (every base64 file cut out)."""
    differ, cut = [], 0
    for mail in corpus():
        scan = scan_mail(mail.raw, cut_bodies_from=0)
        cut += bool(scan.cuts)
        whole, skeleton = parse(mail, mimescan.Scan()), parse(mail, scan)
        if whole.model_dump(exclude={"parts"}) != skeleton.model_dump(exclude={"parts"}) or \
                [p.content for p in whole.parts] != [p.content for p in skeleton.parts]:
            differ.append(mail.source)
    assert differ == []
    assert cut > 40, "the corpus has base64 files: most of them must have gone through the cut path"


def test_a_marker_that_does_not_come_back_falls_back_to_the_whole_mail() -> None:
    raw = hostile.application((b"CV.pdf", CV))
    scan = scan_mail(raw, cut_bodies_from=0)
    assert len(scan.cuts) == 1
    # a cut that does not end where the body ends (the scan got it wrong) must not reach the result
    wrong = mimescan.Scan(cuts=[mimescan.Cut(scan.cuts[0].start, scan.cuts[0].end - 40, scan.cuts[0].marker)])
    parsed = parse(raw_mail("x", raw), wrong)
    assert [p.content for p in parsed.parts] == [CV]


def test_a_sender_cannot_forge_a_marker() -> None:
    marker_like = b"inbox-bot cut 0 " + b"0" * 32
    raw = hostile.application((b"CV.pdf", CV), (b"trap.bin", marker_like))
    parsed = parse(raw_mail("x", raw), scan_mail(raw, cut_bodies_from=0))
    assert [p.content for p in parsed.parts] == [CV, marker_like]


PEAK_SCRIPT = textwrap.dedent("""
    import json, re, sys
    from inbox_bot.triage.pipeline import MemoryHistory, Pipeline
    from inbox_bot.sources.files import raw_mail
    from tests.values import RULES, english

    def kilobytes(field):
        return int(re.search(field + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

    pipeline = Pipeline(RULES)
    pipeline.triage(raw_mail("warm", open(sys.argv[1], "rb").read()), MemoryHistory())
    mail = raw_mail(sys.argv[2], open(sys.argv[2], "rb").read())
    open("/proc/self/clear_refs", "w").write("5")  # the peak so far (reading the file) is not the triage's
    before = kilobytes("VmRSS")
    result = pipeline.triage(mail, MemoryHistory()).result
    print(json.dumps({"peak_mb": (kilobytes("VmHWM") - before) / 1024, "verdict": result.verdict.value}))
""")


def peak_memory_mb(tmp_path: Path, raw: bytes) -> float:
    """Peak memory the triage of `raw` adds, above the mail's own bytes, measured in a fresh process."""
    path = tmp_path / "big.eml"
    path.write_bytes(raw)
    small = tmp_path / "small.eml"
    small.write_bytes(hostile.application((b"CV.pdf", CV)))
    done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(small), str(path)], capture_output=True,
                          check=True, cwd=ROOT, timeout=120)
    measured = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert measured["verdict"] in {v.value for v in Verdict}
    return float(measured["peak_mb"])


@pytest.mark.parametrize(("megabytes", "files", "bound"), [(25, 1, 80), (34, 1, 100), (10, 500, 40)])
def test_peak_memory_stays_bounded(tmp_path: Path, megabytes: int, files: int, bound: int) -> None:
    # Parsed whole, the standard library needs about eight times the mail (200 MB for 25 MB): cut bodies
    # are decoded straight from the raw bytes, so the triage adds about the size of the decoded files.
    assert peak_memory_mb(tmp_path, hostile.big_mail(megabytes, files=files)) < bound


# ---------------------------------------------------------------- tries, and the quarantine


KILL_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path
    import inbox_bot.triage.pipeline
    from inbox_bot.daemon.recording import record_mail
    from inbox_bot.triage.pipeline import Pipeline
    from inbox_bot.sources.files import raw_mail
    from inbox_bot.storage.store import Store
    from tests.values import RULES, english
    inbox_bot.triage.pipeline.parse = lambda *args: os.kill(os.getpid(), signal.SIGKILL)  # the mail kills us
    store = Store(Path(sys.argv[1]) / "db.sqlite", Path(sys.argv[1]) / "storage")
    record_mail(Pipeline(RULES), store, raw_mail("killer.eml", Path(sys.argv[2]).read_bytes()))
""")


class _ProcessDied(BaseException):
    """What the process dying looks like from inside: nothing catches it, nothing after it runs."""


def test_a_mail_that_kills_the_process_is_quarantined_after_three_tries(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = hostile.application((b"CV.pdf", CV))
    (tmp_path / "killer.eml").write_bytes(raw)
    killed = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(tmp_path), str(tmp_path / "killer.eml")],
                            cwd=ROOT, timeout=60, check=False)
    assert killed.returncode == -signal.SIGKILL
    mail = raw_mail("killer.eml", raw)
    assert store.attempts(mail.sha256) == 1, "the try was committed before the triage that killed the process"

    def dies(*args: object) -> None:
        raise _ProcessDied

    monkeypatch.setattr(inbox_bot.triage.pipeline, "parse", dies)
    for _ in range(2):
        with pytest.raises(_ProcessDied):
            record_mail(Pipeline(RULES), store, mail)
    assert store.attempts(mail.sha256) == 3
    triaged = record_mail(Pipeline(RULES), store, mail)  # parse still dies: it must not be called again
    assert triaged is not None
    assert triaged.result.verdict is Verdict.NEEDS_REVIEW
    assert triaged.result.reasons == [reason(ReasonCode.MAIL_NOT_READ, detail="quarantined after 3 failed attempts")]
    assert store.attempts(mail.sha256) == 0
    assert store.mails()[0]["verdict"] == "needs_review"


def test_a_recorded_mail_leaves_no_tries_behind(store: Store) -> None:
    mail = raw_mail("ok.eml", hostile.application((b"CV.pdf", CV)))
    triaged = record_mail(Pipeline(RULES), store, mail)
    assert triaged is not None and triaged.result.verdict is Verdict.INCOMPLETE
    assert store.attempts(mail.sha256) == 0
    assert list(store.db.query("select count(*) as n from attempts")) == [{"n": 0}]


def test_a_failure_to_record_is_counted_with_its_error(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    mail = raw_mail("ok.eml", hostile.application((b"CV.pdf", CV)))

    def disk_full(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "put_file", disk_full)
    from inbox_bot.daemon.folder_sources import RunReport

    report = RunReport()
    record_all(Pipeline(RULES), store, [mail], report)
    assert len(report.failures) == 1
    row = next(iter(store.db.query("select count, last_error from attempts")))
    assert row["count"] == 1 and "No space left" in row["last_error"]


def test_triage_counted_quarantines_without_reading_the_mail(store: Store) -> None:
    mail = RawMail(source="imap/INBOX/1/7", raw=b"\x00" * 10, sha256="ab" * 32)
    for _ in range(3):
        store.begin_attempt(mail.sha256, mail.source)
    triaged = triage_counted(Pipeline(RULES), store, mail)
    assert (triaged.result.verdict, triaged.result.sender, triaged.parsed) == (Verdict.NEEDS_REVIEW, "", None)


# ---------------------------------------------------------------- the real-world corpus, recorded


def test_every_realworld_mail_is_triaged_and_recorded(tmp_path: Path, store: Store) -> None:
    from inbox_bot.daemon.folder_sources import RunReport

    mails = list(read_paths([REALWORLD]))
    assert len(mails) >= 242
    report = RunReport()
    record_all(build_pipeline(Settings(), RULES), store, mails, report)
    assert report.failures == []
    assert len(report.recorded) + report.skipped == len(mails)
    rows = store.mails()
    assert len(rows) == len({m.sha256 for m in mails})
    assert all(row["verdict"] and row["reasons"] for row in rows)
    assert not any(load(r).code is ReasonCode.TRIAGE_FAILED for row in rows for r in row["reasons"])
    stored = [p for p in (tmp_path / "storage").rglob("*") if p.is_file()]
    assert stored and all(p.stat().st_mode & 0o777 == 0o600 for p in stored)
    assert all("." not in p.name for p in stored), "files are stored by hash, without an extension"
    assert {p.name for p in tmp_path.iterdir()} <= {"db.sqlite", "db.sqlite-wal", "db.sqlite-shm", "storage"}
    assert os.path.commonpath([*map(str, stored), str(tmp_path / "storage")]) == str(tmp_path / "storage")
