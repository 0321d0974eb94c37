"""One measured phase per process: `python -m benchmarks.phases PHASE SPEC.json RESULT.json`.

A fresh process per phase keeps each phase's peak memory its own and leaves no warm cache of one phase to the
next. Timings start after the imports: an interpreter's start-up is not what is compared.
"""

from __future__ import annotations

import email
import gc
import json
import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.maildir import deliver_file
from benchmarks.probes import (
    Clock,
    TimedModule,
    descendants,
    reset_tree_peak,
    stat_fields,
    tree_peak_bytes,
    tree_rss_bytes,
)

Spec = dict[str, Any]
Result = dict[str, Any]
BASELINE_BATCH = 10  # mails per FETCH, as inbox-bot fetches bodies


# ---------------------------------------------------------------- the baseline: imapclient + email


def _imap_client(spec: Spec) -> Any:
    from imapclient import IMAPClient

    client = IMAPClient(spec["host"], port=spec["port"], ssl=False, timeout=120)
    # What a careful user does: imapclient 4.1 sets imaplib's debug level to 5, and imaplib then formats every
    # response, each mail body included, for a debug log nobody reads; that alone costs most of a fetch.
    client._imap.debug = 0
    client.login(spec["user"], os.environ[spec["password_env"]])
    client.select_folder("INBOX", readonly=True)
    return client


def _parse(raw: bytes) -> int:
    """Parse with the standard library and walk the tree: the least any triage must do with a mail."""
    message = email.message_from_bytes(raw)
    return sum(1 for _ in message.walk())


def _chunks(values: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def baseline(spec: Spec) -> Result:
    started = time.perf_counter()
    client = _imap_client(spec)
    mails = size = 0
    for chunk in _chunks(sorted(client.search("ALL")), BASELINE_BATCH):
        for data in client.fetch(chunk, [b"BODY.PEEK[]"]).values():
            raw = data[b"BODY[]"]
            _parse(raw)
            mails += 1
            size += len(raw)
    client.logout()
    return {"seconds": time.perf_counter() - started, "mails": mails, "bytes": size, "peak_rss": tree_peak_bytes()}


# ---------------------------------------------------------------- inbox-bot: run --once, retriage --call


def _clock_pipeline(clock: Clock) -> None:
    """Time the stages of inbox_bot.triage.pipeline.Pipeline.triage, and inside them libmagic and text extraction."""
    import magic

    from inbox_bot.triage import attachments, pipeline, sandbox
    from inbox_bot.triage.pipeline import Pipeline

    clock.wrap(Pipeline, "triage", "pipeline")  # retriage; run --once reads ahead, then judges in turn
    clock.wrap(Pipeline, "read", "read")
    clock.wrap(Pipeline, "judge", "judge")
    for name in ("scan_mail", "parse", "classify", "match", "decide"):
        clock.wrap(pipeline, name, name)
    # the files are read in two steps: every text layer, then OCR of the scans worth it (issue #17)
    clock.wrap(attachments.MailFiles, "read", "read_attachments")
    clock.wrap(attachments.MailFiles, "read_by_ocr", "read_by_ocr")
    _clock_extraction(clock, sandbox.Sandbox)
    attachments.magic = TimedModule(magic, clock, "magic", ("from_buffer",))  # type: ignore[attr-defined,assignment]


def _clock_extraction(clock: Clock, sandbox: Any) -> None:
    """Text is extracted in a worker process: the wait for its answer is what a document costs, by family."""
    original = getattr(sandbox, "extract", None)
    if original is None:
        clock.missing.append("extract_text")
        return

    def extract(self: Any, family: str, data: bytes, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        ocr = bool(kwargs.get("ocr"))
        result = None
        try:
            result = original(self, family, data, *args, **kwargs)
            return result
        finally:
            # OCR (issue #17) apart: its time per page read and its share of the run are what is asked of it
            clock.add("ocr" if ocr else "extract_text", started)
            if not ocr:
                clock.add(f"extract_{family}", started)
            elif (read := _OCR_PAGES.match(getattr(result, "ocr", None) or "")) is not None:
                clock.calls["ocr_pages"] += int(read.group(1))

    sandbox.extract = extract


# "lu par OCR (2 pages)", "lu par OCR (3 pages of 200)", "lu par OCR: no text found (1 page)": pages read
_OCR_PAGES = re.compile(r"lu par OCR\D*\((\d+) page")


def _clock_daemon(clock: Clock) -> None:
    """Time what run --once does around the pipeline: IMAP, SQLite, filing."""
    from inbox_bot.daemon.readahead import ReadAhead
    from inbox_bot.sources.imap import ImapMailbox
    from inbox_bot.storage.ledger import Ledger
    from inbox_bot.storage.store import Store, Transaction

    clock.wrap(ReadAhead, "triaged", "triaged")
    clock.wrap(ReadAhead, "_read_in_worker", "read_in_worker")
    clock.wrap_iterator(ImapMailbox, "fetch_bodies", "imap_fetch_bodies")
    clock.wrap(ImapMailbox, "fetch_meta", "imap_fetch_meta")
    clock.wrap(ImapMailbox, "move_many", "imap_move")
    clock.wrap(Transaction, "record_mail", "store_record")
    clock.wrap(Store, "write_files_early", "files_early")
    clock.wrap(Store, "dossier", "store_dossier")
    clock.wrap(Ledger, "mark", "ledger_mark")


def _run_cli(arguments: list[str], profile: str | None) -> tuple[float, int]:
    from inbox_bot.cli.main import main

    profiler = _profiler() if profile else None
    started = time.perf_counter()
    try:
        main(arguments, standalone_mode=False)
        code = 0
    except SystemExit as stop:  # `run --once` exits 3 when a mailbox failed
        code = int(stop.code or 0)
    seconds = time.perf_counter() - started
    if profiler is not None and profile:
        profiler.stop()
        Path(profile).write_text(profiler.output_text(unicode=True, show_all=False), encoding="utf-8")
    return seconds, code


def _profiler() -> Any:
    """pyinstrument (a dev dependency), sampling every millisecond: it slows the run by a few per cent."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    return profiler


def _timed_command(spec: Spec, arguments: list[str], install: Sequence[Callable[[Clock], None]]) -> Result:
    clock = Clock()
    for step in install:
        step(clock)
    seconds, code = _run_cli(["--config", spec["config"], *arguments], spec.get("profile"))
    return {
        "seconds": seconds,
        "exit_code": code,
        "breakdown": dict(clock.seconds),
        "calls": dict(clock.calls),
        "not_measured": clock.missing,
        "peak_rss": tree_peak_bytes(),
    }


def triage(spec: Spec) -> Result:
    return _timed_command(spec, ["run", "--once"], (_clock_pipeline, _clock_daemon))


def retriage(spec: Spec) -> Result:
    return _timed_command(spec, ["retriage", "--call", spec["call"]], (_clock_pipeline,))


# ---------------------------------------------------------------- idle polls


def idle(spec: Spec) -> Result:
    """Idle polls of each folder size, taking turns poll by poll: a machine that slows down for a while slows both
    sizes alike, instead of whichever was measured then (their ratio is what is asked)."""
    from inbox_bot.config.settings import load_settings
    from inbox_bot.daemon.scheduler import Daemon
    from inbox_bot.sources.imap import ImapMailbox

    clock = Clock()
    clock.wrap(ImapMailbox, "status", "status")  # the server's share: STATUS is the one command of an idle poll
    folders = spec["folders"]
    daemons = {size: Daemon(load_settings(Path(folder["config"]))) for size, folder in folders.items()}
    try:
        # the first poll connects; each daemon keeps its connection between polls
        first = {size: _idle_poll(daemon, folders[size]["mailbox"], clock)[0] for size, daemon in daemons.items()}
        samples: dict[str, list[tuple[float, float]]] = {size: [] for size in daemons}
        for _ in range(spec["polls"]):
            for size, daemon in daemons.items():
                samples[size].append(_idle_poll(daemon, folders[size]["mailbox"], clock))
    finally:
        for daemon in daemons.values():
            daemon.close()
    return {size: _idle_summary(first[size], samples[size]) for size in daemons}


def _idle_summary(first: float, samples: list[tuple[float, float]]) -> Result:
    polls, status = sorted(poll for poll, _ in samples), sorted(status for _, status in samples)
    own = sorted(poll - status for poll, status in samples)
    return {
        "first_ms": first * 1000,
        "median_ms": statistics.median(polls) * 1000,
        "p90_ms": polls[int(0.9 * (len(polls) - 1))] * 1000,
        "status_median_ms": statistics.median(status) * 1000,
        "own_median_ms": statistics.median(own) * 1000,
        "polls": len(samples),
    }


def _idle_poll(daemon: Any, mailbox: str, clock: Clock) -> tuple[float, float]:
    """(the whole poll, its STATUS command), in seconds."""
    status_before = clock.seconds["status"]
    started = time.perf_counter()
    report = daemon.poll_mailbox(mailbox)
    seconds = time.perf_counter() - started
    if report is None or report.new != 0:
        raise RuntimeError(f"the poll of {mailbox} was not idle: {report}")
    return seconds, clock.seconds["status"] - status_before


# ---------------------------------------------------------------- one big mail: memory


def _memory(before: int, peak: int, size: int, reset: bool) -> Result:
    return {"rss_before": before, "peak": peak, "added": peak - before, "size": size, "peak_reset": reset}


def _start_measure() -> tuple[int, bool]:
    gc.collect()
    return tree_rss_bytes(), reset_tree_peak()


def big_parse(spec: Spec) -> Result:
    """The standard library alone: the mail's bytes are already in memory, as after any download."""
    _parse(Path(spec["warm_mail"]).read_bytes())
    raw = Path(spec["mail"]).read_bytes()
    before, reset = _start_measure()
    _parse(raw)
    return _memory(before, tree_peak_bytes(), len(raw), reset)


def big_baseline(spec: Spec) -> Result:
    """imapclient + email on the big mail, after a small one: download and parse, nothing else."""
    client = _imap_client(spec)
    warm, big = sorted(client.search("ALL"))
    _parse(client.fetch([warm], [b"BODY.PEEK[]"])[warm][b"BODY[]"])
    before, reset = _start_measure()
    raw = client.fetch([big], [b"BODY.PEEK[]"])[big][b"BODY[]"]
    _parse(raw)
    result = _memory(before, tree_peak_bytes(), len(raw), reset)
    client.logout()
    return result


def big_triage(spec: Spec) -> Result:
    """A daemon that has triaged a small mail (imports done, libmagic loaded) polls the big one."""
    from inbox_bot.config.settings import load_settings
    from inbox_bot.daemon.scheduler import Daemon

    settings = load_settings(Path(spec["config"]))
    daemon = Daemon(settings)
    try:
        warm = daemon.poll_mailbox(spec["mailbox"])
        if warm is None or warm.recorded != 1:
            raise RuntimeError(f"the warm-up poll recorded {warm}")
        mail = Path(spec["mail"])
        owner = (spec["uid"], spec["gid"])
        deliver_file(Path(spec["maildir"]), mail, owner, datetime.fromisoformat(spec["received"]), "big")
        before, reset = _start_measure()
        report = daemon.poll_mailbox(spec["mailbox"])
        peak = tree_peak_bytes()
    finally:
        daemon.close()
    if report is None or report.recorded != 1:
        raise RuntimeError(f"the big mail was not recorded: {report}")
    return {**_memory(before, peak, mail.stat().st_size, reset), "verdict": _last_verdict(settings.database)}


def _last_verdict(database: Path) -> str:
    import sqlite3

    with sqlite3.connect(database) as db:
        return str(db.execute("select verdict from mails order by id desc limit 1").fetchone()[0])


def scale_build(spec: Spec) -> Result:
    """A generated store of spec["n"] mails (benchmarks.scale)."""
    from benchmarks import scale as generated

    return generated.build(Path(spec["folder"]), spec["n"], spec["seed"], spec["call_size"])


def scale(spec: Spec) -> Result:
    """The operator's queries on the generated stores, taking turns (benchmarks.scale)."""
    from benchmarks import scale as generated

    return generated.measure({size: Path(folder) for size, folder in spec["folders"].items()}, spec["budget"])


PHASES: dict[str, Callable[[Spec], Result]] = {
    "baseline": baseline,
    "triage": triage,
    "retriage": retriage,
    "idle": idle,
    "big_parse": big_parse,
    "big_baseline": big_baseline,
    "big_triage": big_triage,
    "scale_build": scale_build,
    "scale": scale,
}


def cpu_seconds() -> dict[str, float]:
    """CPU time of the phase's process (user, system) and of its children (sandbox workers: those still running
    read from /proc, those gone from the kernel's tally): on two cores, a run cannot end sooner than the work of
    all its processes over two."""
    own, gone = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    tick = os.sysconf("SC_CLK_TCK")
    # utime and stime: the 12th and 13th fields after the command
    running = sum((int(fields[11]) + int(fields[12])) / tick
                  for pid in descendants() if (fields := stat_fields(pid)) is not None)
    return {"user": own.ru_utime, "system": own.ru_stime, "process": own.ru_utime + own.ru_stime,
            "children": gone.ru_utime + gone.ru_stime + running}


def main(argv: Sequence[str]) -> int:
    phase, spec_path, result_path = argv
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result = PHASES[phase](spec)
    result["cpu"] = cpu_seconds()
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
