"""Reading ahead: while one mail of a poll is judged and recorded, the next ones are read, each whole in a worker
process (`daemon.mailworkers`; in the thread, file by file over the pool of sandbox workers, when a worker could
not), so that every core works. A thread per worker waits for its answers.

What does not change:
- Mails are judged and recorded one at a time, in the order they came (UID order): a dossier builds up mail by
  mail, and the ledger's highest UID must never pass a mail not yet recorded.
- A mail is recorded before anything is done to it on the server (the poller files after the batch).
- One bad mail costs one mail. A try is counted (committed) before a mail's reading starts, so a mail that
  kills the process is counted even when others were read beside it. Those others were counted too: a mail
  tried before is therefore read alone, with nothing else in flight, so only the mail that really kills the
  process keeps failing until it is quarantined. A try begun but never made (the poll stopped on an error
  while mails were read ahead) is given back.
"""

from __future__ import annotations

import contextlib
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from types import TracebackType

from inbox_bot.core.models import RawMail
from inbox_bot.daemon import mailworkers
from inbox_bot.storage.store import Store
from inbox_bot.triage.attachments import Known, MailFiles
from inbox_bot.triage.pipeline import Pipeline, Read, Triaged

SWITCH_INTERVAL = 0.0005  # seconds: see ReadAhead.__enter__


@dataclass
class Ahead:
    """One mail in the queue: being read in a thread, to be read alone at its turn, or not to be read at all."""

    raw: RawMail
    pipeline: Pipeline
    problem: str | None = None  # recorded unread with this reason (the server delivered part of it)
    reading: Future[Read] | None = None
    quarantined: str | None = None
    counted: bool = False  # a try was begun for it
    alone: bool = False
    finish: Callable[[Ahead], None] = field(default=lambda _: None)


class ReadAhead:
    """A bounded queue of mails read ahead; each is finished (judged, recorded) by its `finish`, in order."""

    def __init__(self, store: Store, workers: int) -> None:
        self.store = store
        # eight mails a worker: a large mail being read, or the daemon's thread fetching the next ten, leaves no
        # worker idle meanwhile
        self.depth = 8 * workers
        self._queue: deque[Ahead] = deque()
        self._stack = contextlib.ExitStack()
        self._known: Known | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._workers = workers
        self._where = mailworkers.Where(store.storage.resolve(), store.database.resolve())

    def __enter__(self) -> ReadAhead:
        # The daemon's thread gives up the interpreter lock at each SQLite statement and disk write; with the
        # reading threads parsing (now only a mail a worker could not read), it waited up to the default 5 ms
        # switch interval to get it back, each time (a convoy: a third of its time). A short interval while
        # reading ahead gives it back within 0.5 ms.
        self._stack.callback(sys.setswitchinterval, sys.getswitchinterval())
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._known = self._stack.enter_context(self.store.readings_for_threads())
        self._threads = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="read-ahead")
        self._stack.callback(self._threads.shutdown, wait=True, cancel_futures=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            if error is None:
                self.drain()
            else:
                self._give_back()
        finally:
            self._stack.close()

    def add(
        self, raw: RawMail, pipeline: Pipeline, finish: Callable[[Ahead], None], problem: str | None = None
    ) -> None:
        """Queue a mail (its reading starts now, in a thread), then finish the oldest while the queue is full."""
        ahead = self._start(Ahead(raw, pipeline, problem=problem, finish=finish))
        self._queue.append(ahead)
        if ahead.alone:  # everything before it, then it, with nothing read beside it
            self.drain()
        while len(self._queue) > self.depth:
            self._finish_oldest()

    def drain(self) -> None:
        while self._queue:
            self._finish_oldest()

    def triaged(self, ahead: Ahead) -> Triaged:
        """The mail judged, at its turn: the store holds every mail before it."""
        pipeline, raw = ahead.pipeline, ahead.raw
        if ahead.problem is not None:
            return pipeline.unreadable(raw, ahead.problem)
        if ahead.quarantined is not None:
            return pipeline.quarantined(raw, ahead.quarantined)
        read = ahead.reading.result() if ahead.reading is not None else self._read(pipeline, raw)
        return pipeline.judge(read, self.store, threads=self.store)

    def _start(self, ahead: Ahead) -> Ahead:
        raw = ahead.raw
        if ahead.problem is not None or self.store.mail_id_by_hash(raw.sha256) is not None:
            return ahead  # nothing to read: recorded unread, or its bytes are recorded already
        failed = self.store.attempts(raw.sha256)
        if failed >= ahead.pipeline.limits.max_attempts:
            ahead.quarantined = f"quarantined after {failed} failed attempts"
            return ahead
        self.store.begin_attempt(raw.sha256, raw.source)
        ahead.counted = True
        if failed:
            ahead.alone = True
        else:
            assert self._threads is not None, "ReadAhead is used as a context manager"
            ahead.reading = self._threads.submit(self._read, ahead.pipeline, raw)
        return ahead

    def _read(self, pipeline: Pipeline, raw: RawMail) -> Read:
        """In a thread: the mail read by a worker process (daemon.mailworkers), or here when it could not be;
        either way its files are written to the store's disk ahead of its turn, so that the daemon's thread,
        which records one mail at a time, does not wait for the disk (recording finds the files there)."""
        whole = self._read_in_worker(pipeline, raw)
        if whole is not None:
            return whole
        read = pipeline.read(raw, self._known, self.store.keep_file)
        self.store.write_files_early(raw, read.attachments)
        return read

    def _read_in_worker(self, pipeline: Pipeline, raw: RawMail) -> Read | None:
        try:
            path = (self.store.storage / self.store.put_raw(raw)).resolve()
        except OSError:
            return None  # read here: recording the mail says why it cannot be stored
        read = mailworkers.shared(pipeline.limits).read(raw, path, self._where)
        if read is None or read.parsed is None:
            return read
        # OCR, at the mail's turn, reads its scans from the store (its files come without their bytes)
        limits = pipeline.limits
        files = MailFiles(limits.archives, limits.extraction, self._known, self.store.keep_file)
        return replace(read, files=files, content=self.store.file_bytes)

    def _finish_oldest(self) -> None:
        ahead = self._queue.popleft()  # out of the queue before its turn: on an error, it keeps its try
        ahead.finish(ahead)

    def _give_back(self) -> None:
        """The poll stopped on an error: the mails queued behind were never tried, whatever their readers did.
        The mail being recorded when it happened keeps its try: the error may be its own, again and again."""
        for ahead in self._queue:
            if ahead.counted:
                with contextlib.suppress(Exception):  # the error that stopped the poll may be the store's
                    self.store.attempt_given_back(ahead.raw.sha256)
        self._queue.clear()
