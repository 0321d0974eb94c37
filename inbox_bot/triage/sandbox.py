"""Text extraction in a child process, under memory, CPU and wall-clock limits.

Document parsers (pypdf; zipfile and defusedxml for DOCX, ODT, XLSX; Pillow and Tesseract for scans) are where
hostile files do their damage: a PDF whose streams inflate to gigabytes or whose page tree loops, an XML that
nests until the stack runs out, an image that declares a gigapixel canvas. Run inside the daemon, one such file
could stall it or get it killed. Here they run in persistent worker processes (a fork per file would cost more
than most extractions: a worker starts once, about 0.3 s, then each file costs a pipe round trip), one per core
by default (`Pool`, `[limits.extraction] workers`), each under RLIMIT_AS and RLIMIT_CPU, and the daemon waits
at most `timeout_s` for each answer. A worker that overruns or dies is killed and the file gets a problem; the
next file given to that worker starts a fresh one, and the other workers never notice.

The worker answers in JSON, never pickle: a worker taken over by a hostile file must not be able to run code
in the daemon through what it sends back. Its answers are also bounded in size.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import queue
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from inbox_bot.core.limits import DEFAULT_LIMITS, MB, ExtractionLimits
from inbox_bot.core.reasons import Reason, ReasonCode, load, reason
from inbox_bot.triage.extract import MAX_TEXT, OCR_DONE, Extracted, extract_text

FAMILIES = ("pdf", "docx", "odt", "xlsx", "text", "image", "pdf_combined", "heic")
# family index, OCR wanted, the file passed by its path, milliseconds to answer in, length of the file (or path)
_REQUEST = struct.Struct(">BBBII")
# A file this large is written to a file of the sandbox's own folder and the worker is given its path: the
# worker reads what its parser needs of it (pypdf seeks) instead of holding a copy received through its pipe.
_BY_PATH_FROM = 1 * MB
# Keeps a file's bytes on disk under their SHA-256 (the store, where the mail's files go anyway) and gives the
# absolute path: a large file is handed to a worker there, instead of through a temporary copy written and deleted
Keep = Callable[[str, bytes], str]
_OCR_MEMORY = 256  # a scan sent again (a reminder, a second mail of the dossier) is not read again
_OCR_TIME_FACTOR = 3  # of `timeout_s`, for a file read by OCR
_OCR_SHARE = 0.8  # of the time to answer: OCR stops in time for the worker to answer before it is killed
_REPLY = struct.Struct(">I")  # length of the JSON that follows
_READY = b"ready\n"  # the worker's first words, once its parsers are imported and its limits set
_START_TIMEOUT_S = 30.0
_MAX_REPLY = 1 * MB  # the text is capped at 20,000 characters: anything longer is not from our worker


class WorkerLost(Exception):
    """The worker overran or died: the file gets this as its problem and the worker is replaced."""


class WorkerProcess:
    """One worker process running `entry`, started when first needed (and again once lost); a lock makes one
    request at a time go through it. Requests go down its stdin; each answer comes up its stdout after its
    length (`_REPLY`), within a deadline."""

    entry = "from inbox_bot.triage.sandbox import serve; serve()"

    def __init__(self, limits: ExtractionLimits, *arguments: str) -> None:
        self.limits = limits
        self._arguments = arguments
        self._lock = threading.Lock()
        self._worker: subprocess.Popen[bytes] | None = None
        self._owner = 0  # the pid that started the worker: a forked child must start its own

    def close(self) -> None:
        with self._lock:
            self._stop()

    def ask(self, chunks: tuple[bytes, ...], timeout_s: float, max_answer: int) -> bytes:
        """Send a request (its chunks), wait for the answer; raise `WorkerLost`. The caller holds the lock."""
        worker = self._running()
        assert worker.stdin is not None
        try:
            for chunk in chunks:
                worker.stdin.write(chunk)
            worker.stdin.flush()
        except OSError as error:  # BrokenPipeError: it died before reading the request
            raise WorkerLost(self._death(worker)) from error
        deadline = time.monotonic() + timeout_s
        (size,) = _REPLY.unpack(self._read(worker, _REPLY.size, deadline))
        if size > max_answer:
            raise WorkerLost("text extraction stopped: the worker sent an oversized answer")
        return self._read(worker, size, deadline)

    def _read(self, worker: subprocess.Popen[bytes], size: int, deadline: float) -> bytes:
        assert worker.stdout is not None
        fd, got = worker.stdout.fileno(), bytearray()
        while len(got) < size:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise WorkerLost("text extraction stopped: over the time limit")
            chunk = os.read(fd, size - len(got))
            if not chunk:
                raise WorkerLost(self._death(worker))
            got += chunk
        return bytes(got)

    def _death(self, worker: subprocess.Popen[bytes]) -> str:
        try:
            code = worker.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "text extraction stopped: the worker stopped answering"
        if code == -signal.SIGXCPU:
            return f"text extraction stopped: over the CPU time limit ({self.limits.timeout_s:g} s)"
        how = f"signal {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"exit code {code}"
        return f"text extraction stopped: the worker died ({how}; memory limit {self.limits.memory_mb} MB)"

    def _running(self) -> subprocess.Popen[bytes]:
        if self._worker is None or self._worker.poll() is not None or self._owner != os.getpid():
            self._stop()
            worker = start_worker(self.entry, self.limits, *self._arguments)
            self._worker, self._owner = worker, os.getpid()
            # A file's time limit is the file's: Python starting and importing the parsers (slow on a busy
            # machine) is waited for here, before any file's clock starts.
            if self._read(worker, len(_READY), time.monotonic() + _START_TIMEOUT_S) != _READY:
                raise WorkerLost("text extraction stopped: the worker did not start")
        return self._worker

    def _stop(self, *, kill: bool = False) -> None:
        worker, self._worker = self._worker, None
        if worker is None or self._owner != os.getpid():
            return  # a worker inherited through fork belongs to the parent, which stops it
        if kill and worker.poll() is None:
            worker.kill()  # it overran: whatever it is doing is not worth waiting for
        for stream in (worker.stdin, worker.stdout):
            if stream is not None:
                # the worker reads end-of-file and leaves; a write left half done cannot reach a dead worker
                with contextlib.suppress(OSError):
                    stream.close()
        try:
            worker.wait(timeout=2)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


class Sandbox(WorkerProcess):
    """One worker process reading one file at a time."""

    def __init__(self, limits: ExtractionLimits) -> None:
        super().__init__(limits)
        self._readings: dict[bytes, Extracted] = {}  # OCR readings by SHA-256 of the file, the latest _OCR_MEMORY
        self._folder: Path | None = None  # where a large file is written for the worker to read (_passed)

    def extract(
        self, family: str, data: bytes, timeout_s: float | None = None, *, ocr: bool = False, path: str | None = None
    ) -> Extracted:
        """The text of one file; with `ocr`, images and PDFs without a usable text layer are read by OCR. `path`:
        where these very bytes are on disk, if they are (the worker reads a large file there)."""
        if family not in FAMILIES:
            return Extracted()
        key = hashlib.sha256(data).digest() if ocr else b""
        with self._lock:
            if key in self._readings:
                return self._readings[key]
            try:
                # OCR runs tesseract up to five times a page: a scan gets more time than a text file, still
                # within what is left of the mail's budget (`timeout_s`, given by MailReader)
                longest = self.limits.timeout_s * (_OCR_TIME_FACTOR if ocr else 1)
                timeout = min(timeout_s or longest, longest)
                extracted = self._ask(family, data, timeout, ocr, path)
            except WorkerLost as lost:
                self._stop(kill=True)
                return Extracted(problem=reason(ReasonCode.TEXT_NOT_READ, detail=str(lost)))
            if key and extracted.ocr is not None and extracted.ocr.startswith(OCR_DONE):
                self._readings[key] = extracted
                if len(self._readings) > _OCR_MEMORY:
                    del self._readings[next(iter(self._readings))]
            return extracted

    def close(self) -> None:
        with self._lock:
            self._stop()
            if self._folder is not None:
                shutil.rmtree(self._folder, ignore_errors=True)
                self._folder = None

    def _ask(self, family: str, data: bytes, timeout_s: float, ocr: bool, path: str | None) -> Extracted:
        with self._passed(data, path) as (by_path, payload):
            request = _REQUEST.pack(FAMILIES.index(family), ocr, by_path, round(timeout_s * 1000), len(payload))
            extracted, recycle = _decode(self.ask((request, payload), timeout_s, _MAX_REPLY))
        if recycle:  # it grew large and is leaving: wait for it, so the next file does not meet a dying worker
            self._stop()
        return extracted

    @contextlib.contextmanager
    def _passed(self, data: bytes, path: str | None) -> Iterator[tuple[bool, bytes]]:
        """What goes through the pipe: the file, or its path on disk (given, or of a copy removed after the answer)."""
        if len(data) < _BY_PATH_FROM:
            yield False, data
            return
        if path is not None:
            yield True, os.fsencode(path)
            return
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="inbox-bot-sandbox-"))
        handle, name = tempfile.mkstemp(dir=self._folder)
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(data)
            yield True, os.fsencode(name)
        finally:
            Path(name).unlink(missing_ok=True)


def start_worker(entry: str, limits: ExtractionLimits, *arguments: str) -> subprocess.Popen[bytes]:
    """A worker process running `entry` (Python code), given its memory (MB) and CPU (s) limits, then
    `arguments`, on its command line; it talks through its stdin and stdout."""
    root = str(Path(__file__).resolve().parents[2])  # so the worker imports this very copy of inbox_bot
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    cpu_s = max(1, round(limits.timeout_s))
    return subprocess.Popen(
        [sys.executable, "-s", "-c", entry, str(limits.memory_mb), str(cpu_s), *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": path},
        start_new_session=True,  # a Ctrl-C meant for the CLI is the CLI's to handle
    )


def _decode(reply: bytes) -> tuple[Extracted, bool]:
    """The worker's answer, checked as any input: (what it read, whether it is leaving)."""
    try:
        data = json.loads(reply)
        pages = data.get("pages")
        problem, ocr = data.get("problem"), data.get("ocr")
        extracted = Extracted(
            text=str(data.get("text", ""))[:MAX_TEXT],
            pages=pages if isinstance(pages, int) and not isinstance(pages, bool) else None,
            problem=_problem(problem),
            ocr=str(ocr)[:300] if ocr is not None else None,
        )
        return extracted, data.get("recycle") is True
    except (ValueError, AttributeError) as error:
        raise WorkerLost("text extraction stopped: the worker sent an unreadable answer") from error


def _problem(value: object) -> Reason | None:
    """The worker's problem, a reason it wrote (a hostile file may have steered what it says: bound it)."""
    if value is None:
        return None
    found = load(value)
    return found.model_copy(update={"params": {k[:40]: v[:300] for k, v in list(found.params.items())[:8]}})


class Pool:
    """`limits.worker_count` workers (one per core by default), each a Sandbox under the per-worker limits.

    A thread takes an idle worker for one file and gives it back, so as many files are read at once as there are
    workers; the most recently used is taken first, so a caller reading one file at a time starts one worker.
    """

    def __init__(self, limits: ExtractionLimits) -> None:
        self.limits = limits
        self.size = limits.worker_count
        self._workers = [Sandbox(limits) for _ in range(self.size)]
        self._idle: queue.LifoQueue[Sandbox] = queue.LifoQueue()
        for sandbox in reversed(self._workers):
            self._idle.put(sandbox)

    @contextlib.contextmanager
    def worker(self) -> Iterator[Sandbox]:
        sandbox = self._idle.get()
        try:
            yield sandbox
        finally:
            self._idle.put(sandbox)

    def extract(self, family: str, data: bytes, timeout_s: float | None = None, *, ocr: bool = False) -> Extracted:
        with self.worker() as sandbox:
            return sandbox.extract(family, data, timeout_s, ocr=ocr)

    def close(self) -> None:
        for sandbox in self._workers:
            sandbox.close()


class InProcess:
    """Extraction in this very process, for a worker that reads whole mails (inbox_bot.daemon.mailworkers): that
    worker is itself a sandboxed process, under the same limits, whose reader in the daemon falls back to the
    `Pool` (each file alone, each under its own limits) when it overruns or dies."""

    def __init__(self, limits: ExtractionLimits) -> None:
        self.limits = limits

    @contextlib.contextmanager
    def worker(self) -> Iterator[InProcess]:
        yield self

    def extract(
        self, family: str, data: bytes, timeout_s: float | None = None, *, ocr: bool = False, path: str | None = None
    ) -> Extracted:
        if family not in FAMILIES:
            return Extracted()
        longest = self.limits.timeout_s * (_OCR_TIME_FACTOR if ocr else 1)
        ocr_until = time.monotonic() + min(timeout_s or longest, longest) * _OCR_SHARE if ocr else None
        return extract_text(family, data, ocr_until=ocr_until)


class MailReader:
    """One mail's share of the workers: each file within `timeout_s`, all of them within `mail_budget_s`, so a
    mail carrying many slow files cannot hold the daemon for longer either. Only the time a worker spends on the
    mail's files counts: waiting for an idle worker, while other mails are read, does not."""

    def __init__(self, limits: ExtractionLimits) -> None:
        self.pool: Pool | InProcess = InProcess(limits) if _IN_PROCESS else shared(limits)
        self.left = limits.mail_budget_s
        self.known: Callable[[str], Extracted | None] | None = None  # OCR readings by SHA-256 (attachments.py)
        self.keep: Keep | None = None

    def extract(self, family: str, data: bytes, *, ocr: bool = False, sha256: str | None = None) -> Extracted:
        """`sha256`: the file's, hex, by which `keep` stores it."""
        if self.left <= 0:
            spent = "the time for reading this mail's files is spent"
            return Extracted(problem=reason(ReasonCode.TEXT_NOT_READ, detail=spent))
        path = self._kept(data, sha256)
        with self.pool.worker() as sandbox:
            started = time.monotonic()
            try:
                return sandbox.extract(family, data, timeout_s=self.left, ocr=ocr, path=path)
            finally:
                self.left -= time.monotonic() - started

    def _kept(self, data: bytes, sha256: str | None) -> str | None:
        """Where a large file is kept, written now rather than when its mail is recorded (the same bytes, the same
        place); None for a small file, without a store, or when the store cannot write it (a temporary copy then)."""
        if self.keep is None or sha256 is None or len(data) < _BY_PATH_FROM:
            return None
        try:
            return self.keep(sha256, data)
        except OSError:
            return None  # recording the mail writes it again, or says why it cannot


# ---------------------------------------------------------------- shared workers

_SHARED: dict[ExtractionLimits, Pool] = {}
_SHARED_LOCK = threading.Lock()
_IN_PROCESS = False


def extract_in_this_process() -> None:
    """For a worker process reading whole mails: files are read here, not handed to workers of its own."""
    global _IN_PROCESS
    _IN_PROCESS = True


def shared(limits: ExtractionLimits = DEFAULT_LIMITS.extraction) -> Pool:
    """The process-wide pool for these limits: pipelines built with the same settings share its workers."""
    with _SHARED_LOCK:
        if limits not in _SHARED:
            _SHARED[limits] = Pool(limits)
        return _SHARED[limits]


@atexit.register
def close_all() -> None:
    with _SHARED_LOCK:
        for sandbox in _SHARED.values():
            sandbox.close()


# ---------------------------------------------------------------- the worker's side


def serve() -> None:
    """The worker: read (family, file) requests on stdin, answer JSON on stdout, until stdin closes."""
    memory_mb, cpu_s = int(sys.argv[1]), int(sys.argv[2])
    requests, replies = serving(memory_mb)
    while header := read_exactly(requests, _REQUEST.size):
        family, ocr, by_path, timeout_ms, size = _REQUEST.unpack(header)
        started = time.monotonic()
        data = read_exactly(requests, size)
        allow_cpu(cpu_s * (_OCR_TIME_FACTOR if ocr else 1))  # decoding and cleaning the pages is the worker's
        # tesseract runs as the worker's child, under its own limits (inbox_bot.triage.ocr)
        ocr_until = started + timeout_ms / 1000 * _OCR_SHARE if ocr else None
        result = _extract(FAMILIES[family], data, by_path=bool(by_path), ocr_until=ocr_until)
        # a worker grown this large is replaced rather than trusted to shrink back
        recycle = resident_bytes() > memory_mb * MB // 2
        problem = result.problem.as_dict() if result.problem else None
        answer = {"text": result.text, "pages": result.pages, "problem": problem, "ocr": result.ocr, "recycle": recycle}
        send(replies, json.dumps(answer).encode())
        if recycle:
            return


def serving(memory_mb: int) -> tuple[IO[bytes], IO[bytes]]:
    """A worker's streams (requests, answers) once its memory is limited; it says it is ready."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MB, memory_mb * MB))
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever a library prints goes to stderr, never into the answers
    replies.write(_READY)
    replies.flush()
    return sys.stdin.buffer, replies


def send(replies: IO[bytes], answer: bytes) -> None:
    replies.write(_REPLY.pack(len(answer)) + answer)
    replies.flush()


def _extract(family: str, data: bytes, *, by_path: bool, ocr_until: float | None) -> Extracted:
    """The text of the file sent, or of the file at the path sent (read as the parser needs it, never whole)."""
    if not by_path:
        return extract_text(family, data, ocr_until=ocr_until)
    try:
        with open(os.fsdecode(data), "rb") as file:
            return extract_text(family, file, ocr_until=ocr_until)
    except OSError as error:
        return Extracted(problem=reason(ReasonCode.TEXT_NOT_READ, detail=f"file not found: {error.strerror}"))


def resident_bytes() -> int:
    # Not ru_maxrss: Linux keeps it across execve, so a worker started by a large daemon would inherit its peak
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0  # no /proc: the worker is never recycled for size, RLIMIT_AS still bounds it


def allow_cpu(seconds: int) -> None:
    # RLIMIT_CPU counts the whole life of the process: each file gets `seconds` more than used so far
    usage = resource.getrusage(resource.RUSAGE_SELF)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(usage.ru_utime + usage.ru_stime) + seconds
    resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    return data if data and len(data) == size else b""
