"""Whole mails read in worker processes, so that reading ahead uses every core (issue #16).

Reading a mail (`Pipeline.read`: scan, parse, decode, identify, unpack; extraction was in workers already) ran in
the daemon's threads, and Python's interpreter lock let one of them run at a time: the reading threads and the
thread that judges and records shared one core between them. Here a worker process reads the whole mail: it
finds the raw mail where the store keeps it, writes the mail's files where recording will find them (by their
SHA-256), classifies them (which needs no rule) and answers in JSON; the daemon's threads only wait for it,
then match, decide and record.

What does not change:
- A worker is a sandbox as a file's worker is (`triage.sandbox.WorkerProcess`): RLIMIT_AS and RLIMIT_CPU, a
  deadline (one file's `timeout_s` for the whole mail), an answer bounded in size and checked by the models as
  any input, never pickle. It reads a mail's files in its own process, under those same limits.
- A mail it does not read to the end (over its deadline or its limits, the worker dead, an answer that does not
  check, a file it could not write) is read again as before, in the daemon's thread with each file in a
  sandbox of its own (`Pipeline.read`): a hostile file meets the same per-file limits and gets the same problem,
  at the cost of one more try's time. A refusal (a mail over a limit, `triage.mimescan`) is final.
- Readings kept from before are looked up by the worker in the store's database (read only), as the threads did.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import queue
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from inbox_bot.core.limits import MB, Limits
from inbox_bot.core.models import Attachment, ClassifiedDocument, ParsedMail, RawMail
from inbox_bot.storage.files import Files
from inbox_bot.storage.readings import shared_lookup
from inbox_bot.triage.classify import classify
from inbox_bot.triage.extract import Extracted
from inbox_bot.triage.pipeline import Pipeline, Read
from inbox_bot.triage.sandbox import (
    WorkerLost,
    WorkerProcess,
    allow_cpu,
    extract_in_this_process,
    read_exactly,
    resident_bytes,
    send,
    serving,
)

log = logging.getLogger(__name__)

_REQUEST = struct.Struct(">I")  # length of the JSON request that follows
# A mail's answer holds its body and its files' text (20,000 characters each at most): far below this
_MAX_ANSWER = 64 * MB
_KEPT = 2  # sets of workers kept alive, one per set of limits: a daemon has one


class _File(Attachment):
    """A file as the worker read it: its bytes are in the store, under its SHA-256, not in the answer."""

    content: bytes = Field(default=b"", repr=False, exclude=True)


class _Answer(BaseModel):
    parsed: ParsedMail | None = None  # None, with no refusal: not read to the end, to be read again here
    attachments: list[_File] = []
    classified: list[ClassifiedDocument] = []  # the files' kinds (classify needs no rule): one per file
    refusal: str | None = Field(default=None, max_length=1000)
    recycle: bool = False  # the worker grew large and is leaving

    def read(self, raw: RawMail) -> Read | None:
        if self.refusal is not None:
            return Read(raw, refusal=self.refusal)
        if self.parsed is None or any(a.content for a in self.attachments):
            return None
        if [d.sha256 for d in self.classified] != [a.sha256 for a in self.attachments]:
            return None  # each file's kinds, in the files' order
        return Read(raw, parsed=self.parsed, attachments=list(self.attachments), classified=list(self.classified))


class MailWorker(WorkerProcess):
    entry = "from inbox_bot.daemon.mailworkers import serve; serve()"

    def read(self, raw: RawMail, path: Path, store: Where) -> Read | None:
        """The mail whose bytes are at `path`, read by the worker for this store; None when it must be read
        again here."""
        request = json.dumps({
            "path": str(path),
            "size": raw.size,
            "source": raw.source,
            "sha256": raw.sha256,
            "server_received_at": _iso(raw.server_received_at),
            "file_mtime": _iso(raw.file_mtime),
            "storage": str(store.storage),
            "database": str(store.database),
        }).encode()
        with self._lock:
            try:
                reply = self.ask((_REQUEST.pack(len(request)), request), self.limits.timeout_s, _MAX_ANSWER)
                answer = _Answer.model_validate_json(reply)
            except (WorkerLost, ValidationError) as error:
                self._stop(kill=True)
                log.info("%s: read again file by file: %s", raw.source, str(error).splitlines()[0])
                return None
            if answer.recycle:
                self._stop()
        return answer.read(raw)


@dataclass(frozen=True)
class Where:
    """The store a mail is read for: where its files go, and the database its readings kept from before are in."""

    storage: Path
    database: Path


class MailWorkers:
    """`worker_count` mail workers; a reading thread takes an idle one for one mail (the last used first)."""

    def __init__(self, limits: Limits) -> None:
        config = json.dumps({"limits": limits.model_dump(mode="json")})
        self._workers = [MailWorker(limits.extraction, config) for _ in range(limits.extraction.worker_count)]
        self._idle: queue.LifoQueue[MailWorker] = queue.LifoQueue()
        for worker in reversed(self._workers):
            self._idle.put(worker)

    def read(self, raw: RawMail, path: Path, store: Where) -> Read | None:
        worker = self._idle.get()
        try:
            return worker.read(raw, path, store)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()


_SHARED: dict[str, MailWorkers] = {}
_SHARED_LOCK = threading.Lock()


def shared(limits: Limits) -> MailWorkers:
    """The workers for these limits, started once (each when first needed) and kept for the next polls."""
    key = limits.model_dump_json()
    with _SHARED_LOCK:
        if key not in _SHARED:
            while len(_SHARED) >= _KEPT:  # other limits (a second config): the oldest go
                _SHARED.pop(next(iter(_SHARED))).close()
            _SHARED[key] = MailWorkers(limits)
        return _SHARED[key]


@atexit.register
def close_all() -> None:
    with _SHARED_LOCK:
        for workers in _SHARED.values():
            workers.close()
        _SHARED.clear()


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


# ---------------------------------------------------------------- the worker's side


def serve() -> None:
    """The worker: read mails (a JSON request each) on stdin, answer JSON on stdout, until stdin closes."""
    memory_mb, cpu_s, config = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
    requests, replies = serving(memory_mb)
    extract_in_this_process()
    pipeline = Pipeline({}, Limits.model_validate(config["limits"]))
    with _Stores() as stores:
        while header := read_exactly(requests, _REQUEST.size):
            (size,) = _REQUEST.unpack(header)
            request = json.loads(read_exactly(requests, size))
            allow_cpu(cpu_s)
            files, known = stores.of(Where(Path(request["storage"]), Path(request["database"])))
            answer = _answer(pipeline, files, known, request)
            # a worker grown this large is replaced rather than trusted to shrink back
            answer["recycle"] = recycle = resident_bytes() > memory_mb * MB // 2
            send(replies, json.dumps(answer, ensure_ascii=False).encode())
            if recycle:
                return


class _Stores(contextlib.ExitStack):
    """The store of the last request, its database connection kept open from one mail to the next."""

    def __init__(self) -> None:
        super().__init__()
        self._where: Where | None = None
        self._open: tuple[Files, Callable[[str], Extracted | None]] | None = None

    def of(self, where: Where) -> tuple[Files, Callable[[str], Extracted | None]]:
        if self._open is None or where != self._where:
            self.close()
            self._open = Files(where.storage), self.enter_context(shared_lookup(where.database))
            self._where = where
        return self._open


def _answer(
    pipeline: Pipeline, files: Files, known: Callable[[str], Extracted | None], request: dict[str, Any]
) -> dict[str, Any]:
    read = pipeline.read(_raw(request, pipeline.limits), known)
    if read.parsed is None:
        return {"refusal": read.refusal} if read.failure is None else {}
    try:
        for attachment in read.attachments:
            files.put_file("files", attachment.sha256, attachment.content)
    except OSError:
        return {}  # the daemon reads it again, and says why it cannot record it
    return {
        "parsed": read.parsed.model_dump(mode="json", exclude={"parts"}),
        "attachments": [a.model_dump(mode="json") for a in read.attachments],
        "classified": [classify(a).model_dump(mode="json") for a in read.attachments],
    }


def _raw(request: dict[str, Any], limits: Limits) -> RawMail:
    """The mail as the daemon has it: in memory when small, mapped from its file when large."""
    path, size = Path(request["path"]), int(request["size"])
    times = {k: datetime.fromisoformat(request[k]) for k in ("server_received_at", "file_mtime") if request.get(k)}
    if size >= limits.spool_from_bytes:
        return RawMail(source=request["source"], raw=b"", sha256=request["sha256"], spool=path, spool_size=size,
                       **times)
    return RawMail(source=request["source"], raw=path.read_bytes(), sha256=request["sha256"], **times)
