"""One poll of one IMAP mailbox, a state machine: read what is new, record it, then file it on the server.

Order of effects, so nothing is lost: a mail is recorded (raw mail, decision, events, ledger row, reply to
send) in one unit of work (storage.transaction) before anything is done to it on the server; filing comes after, and a
filing that did not happen (crash, error) is done on the next poll. A UID already in the ledger is never
downloaded again.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

from inbox_bot.config.secrets import read_credential
from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.models import RawMail
from inbox_bot.core.states import LedgerState
from inbox_bot.daemon.commands import CommandHandler
from inbox_bot.daemon.filing import Filer
from inbox_bot.daemon.poll_report import PollReport
from inbox_bot.daemon.readahead import Ahead, ReadAhead
from inbox_bot.daemon.recording import LedgerEntry, Origin, record_triaged, triage_counted
from inbox_bot.outgoing import replies
from inbox_bot.outgoing.outbox import PlannedReply
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.imap_failures import cause_of
from inbox_bot.sources.imap_values import FolderState, MessageMeta
from inbox_bot.sources.mailbox import Mailbox, MailboxFactory
from inbox_bot.storage.ledger import Ledger, SeenUid
from inbox_bot.storage.rows import utc_now
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import Pipeline, Triaged

log = logging.getLogger(__name__)

UNDELIVERED_TRIES = 3
# Idle polls of an open folder are a NOOP; every so often a full STATUS check is made all the same.
FULL_CHECK_EVERY = 12
# Called with each newly triaged mail, before it is recorded: the reply to queue with it, or None. The last
# argument says why the mail is backlog never to be answered (`replies.held_back`), or None.
ReplyPlanner = Callable[[Triaged, MailboxSettings, Store, str | None], PlannedReply | None]
DEFAULT_MAX_AGE = timedelta(days=2)


class MailboxPoller:
    """Keeps one connection to one mailbox (Gmail allows 15 per account) and polls it on demand."""

    def __init__(
        self,
        box: MailboxSettings,
        store: Store,
        pipeline: Callable[[], Pipeline],
        *,
        max_mail_bytes: int,
        plan_reply: ReplyPlanner | None = None,
        allow_move: bool = True,
        mailboxes: MailboxFactory | None = None,
        reply_max_age: timedelta = DEFAULT_MAX_AGE,
        commands: CommandHandler | None = None,
    ) -> None:
        self.box = box
        self.store = store
        self.pipeline = pipeline
        self.max_mail_bytes = max_mail_bytes
        self.plan_reply = plan_reply
        self.allow_move = allow_move
        self.mailboxes = mailboxes or self._imap_mailbox  # the seam: tests give an in-memory twin
        self.imap: Mailbox | None = None
        self.ledger = Ledger(store, box.name, box.folder)
        self.spool = store.spool(box.name)
        self.filer = Filer(box, self.ledger)
        self.origin = Origin(box.name, box.folder)
        self.undelivered: dict[tuple[int, int], int] = {}
        self.open_and_current = False  # the folder is selected and nothing arrived since it was read
        self.quiet_polls = 0
        self.last_uidvalidity: int | None = None
        self.reply_max_age = reply_max_age
        self.commands = commands  # a reply to our digest is a command mail: recorded and applied, not triaged
        self.first_contact = False  # no poll of this mailbox ever succeeded: what this one reads is not answered

    def close(self) -> None:
        self.open_and_current = False
        if self.imap is not None:
            self.imap.close()
            self.imap = None

    def poll(self, should_stop: Callable[[], bool] = lambda: False) -> PollReport:
        report = PollReport(self.box.name)
        try:
            imap = self._connect()
            try:
                quiet = self._quiet(imap)
                # STATUS, not SELECT: it costs the same on 100 or 50,000 mails; the folder is opened only when needed.
                # Inside the try: on a server without UIDNEXT in SELECT (Courier) no NOOP tests the kept session.
                state = None if quiet else imap.status()
            except MailboxError as exc:  # a session left open between polls may have been cut: start afresh once
                log.info("mailbox %s: %s; reconnecting", self.box.name, exc.one_line())
                self.close()
                imap = self._connect()
                state = imap.status()
            if state is None:
                self.ledger.poll_succeeded(self.last_uidvalidity or 0, 0)
                return report
            # Never polled with success: what is there is the backlog of the time before us (until a poll ends).
            self.first_contact = self.ledger.stored_uidvalidity() is None
            self.spool.clear()  # what a poll interrupted by a crash left
            seen_up_to = self._read_new(imap, state, report, should_stop)
            self.filer.file_pending(imap, state, lambda: self.pipeline().rules, report, should_stop)
            self._keep_open(imap, state, seen_up_to)
            self.ledger.poll_succeeded(state.uidvalidity, report.new)
        except MailboxError as exc:
            self.close()  # a broken connection is never reused; the next poll reconnects
            self.ledger.poll_failed(exc.one_line(), exc.cause or cause_of(exc.message))
            raise
        return report

    def _quiet(self, imap: Mailbox) -> bool:
        """Nothing changed since the last poll left the folder open: one NOOP, no STATUS, no SEARCH."""
        if not self.open_and_current or self.quiet_polls >= FULL_CHECK_EVERY:
            return False
        if imap.quiet():
            self.quiet_polls += 1
            return True
        return False

    def _keep_open(self, imap: Mailbox, state: FolderState, seen_up_to: int | None) -> None:
        """Leave the folder selected so the next idle poll is a NOOP, unless mail arrived while we worked."""
        self.quiet_polls, self.last_uidvalidity = 0, state.uidvalidity
        opened = imap.select(state.folder)
        # Mail that came in after our SEARCH is already counted in this SELECT: NOOP would never report it.
        caught_up = opened.uidnext is not None and seen_up_to is not None and opened.uidnext <= seen_up_to + 1
        self.open_and_current = caught_up and opened.uidvalidity == state.uidvalidity

    def _connect(self) -> Mailbox:
        if self.imap is None:
            self.imap = self.mailboxes(self.box)
        return self.imap.connect()

    def _imap_mailbox(self, box: MailboxSettings) -> Mailbox:
        return ImapMailbox(box, read_credential(box), allow_move=self.allow_move)

    # ------------------------------------------------------------ reading

    def _read_new(
        self, imap: Mailbox, state: FolderState, report: PollReport, should_stop: Callable[[], bool]
    ) -> int | None:
        """Read every new UID; the highest UID now dealt with, or None when stopped half-way."""
        stored = self.ledger.stored_uidvalidity()
        known_max = self.ledger.max_uid(state.uidvalidity)
        known = None
        if stored is not None and stored != state.uidvalidity:
            log.warning(
                "mailbox %s: UIDVALIDITY changed %s -> %s: reading the folder again",
                self.box.name,
                stored,
                state.uidvalidity,
            )
        if known_max is None and stored is not None:
            known = self.ledger.known_uids(state.uidvalidity)
        uids = imap.new_uids(known_max, known)
        report.new = len(uids)
        if not uids:
            return known_max or 0
        # The next mails are read ahead while each is recorded in turn (daemon.readahead), across the batches:
        # the queue stays full from one batch to the next instead of emptying at each one's end
        with ReadAhead(self.store, self.pipeline().limits.extraction.worker_count) as ahead:
            try:
                for start in range(0, len(uids), self.box.batch_size):
                    if should_stop():
                        return None
                    batch = uids[start : start + self.box.batch_size]
                    self._read_batch(imap, state, batch, report, should_stop, ahead)
            except MailboxError:
                ahead.drain()  # the server failed, not the mails: those fetched before it are recorded
                raise
        return max([known_max or 0, *uids])

    def _read_batch(
        self,
        imap: Mailbox,
        state: FolderState,
        uids: list[int],
        report: PollReport,
        should_stop: Callable[[], bool],
        ahead: ReadAhead,
    ) -> None:
        """The batch's mails into the read-ahead queue. What is recorded without a reading (a mail linked, too
        large, not delivered) waits until every mail queued before it is recorded: the order of receipt holds."""
        metas = imap.fetch_meta(uids)
        to_download = []
        for uid in uids:
            meta = metas.get(uid)
            if meta is None:
                continue  # vanished between SEARCH and FETCH: someone moved it; nothing to read
            if meta.gm_msgid is not None and (mail_id := self.ledger.mail_by_gm_msgid(meta.gm_msgid)) is not None:
                ahead.drain()
                self.ledger.add(_seen(state, meta), state=LedgerState.LINKED, mail_id=mail_id)
                report.linked += 1
            elif meta.size > self.max_mail_bytes:
                megabytes = f"{meta.size / 1_048_576:.1f} MB (limit {self.max_mail_bytes / 1_048_576:.0f} MB)"
                problem = f"too large to read safely: {megabytes}; open it in the mailbox"
                ahead.drain()
                self._record(_placeholder(imap.raw_mail(uid, b"", meta)), state, meta, report, problem=problem)
            else:
                to_download.append(uid)
        delivered = set()
        pipeline = self.pipeline()  # the rules in force when the batch starts: asked once, not at every mail
        for raw, meta in self._bodies(imap, to_download, metas):
            delivered.add(meta.uid)
            short = f"the server delivered {raw.size} of {meta.size} bytes" if raw.size < meta.size else None
            finish = functools.partial(self._finish, state=state, meta=meta, report=report, reading=ahead)
            ahead.add(raw, pipeline, finish, problem=short)
            if should_stop():
                return  # what is read ahead is recorded first, on the way out
        if undelivered := set(to_download) - delivered:
            ahead.drain()
            for uid in sorted(undelivered):
                self._undelivered(imap, state, metas[uid], report)

    def _bodies(
        self, imap: Mailbox, uids: list[int], metas: dict[int, MessageMeta]
    ) -> Iterator[tuple[RawMail, MessageMeta]]:
        """The mails in UID order: small ones fetched ten at a time and held, a large one (`spool_from_mb`)
        written to a spool file of the store as it comes, in partial FETCHes, and read from there."""
        spool_from, small = self.pipeline().limits.spool_from_bytes, []
        for uid in [*uids, None]:
            if uid is not None and metas[uid].size < spool_from:
                small.append(uid)
                continue
            for got, body in imap.fetch_bodies(small, batch=min(10, len(small) or 1)):
                yield imap.raw_mail(got, body, metas[got]), metas[got]
            small = []
            if uid is not None and (spooled := self._spooled(imap, metas[uid])) is not None:
                yield spooled, metas[uid]

    def _spooled(self, imap: Mailbox, meta: MessageMeta) -> RawMail | None:
        with self.spool.open() as file:
            if imap.fetch_into(meta.uid, file) is None:
                file.done()
                self.spool.remove(file.path)
                return None
            spooled = file.done()
        update = {"spool": spooled.path, "spool_size": spooled.size, "sha256": spooled.sha256}
        return imap.raw_mail(meta.uid, b"", meta).model_copy(update=update)

    def _undelivered(self, imap: Mailbox, state: FolderState, meta: MessageMeta, report: PollReport) -> None:
        """The server lists the mail but sends no content: tried again twice, then recorded for a person."""
        key = (state.uidvalidity, meta.uid)
        self.undelivered[key] = self.undelivered.get(key, 0) + 1
        if self.undelivered[key] >= UNDELIVERED_TRIES:
            problem = f"the server did not deliver this mail's content ({UNDELIVERED_TRIES} tries)"
            self._record(_placeholder(imap.raw_mail(meta.uid, b"", meta)), state, meta, report, problem=problem)

    def _record(
        self,
        raw: RawMail,
        state: FolderState,
        meta: MessageMeta,
        report: PollReport,
        *,
        problem: str | None = None,
        judged: Callable[[], Triaged] | None = None,
    ) -> None:
        """Record one mail: unread with `problem`, as `judged` (read ahead) gives it, or triaged here and now."""
        seen = _seen(state, meta)
        existing = self.store.mail_id_by_hash(raw.sha256)
        if existing is not None:  # the same bytes came before (UIDVALIDITY change, a copy in two folders)
            self.ledger.add(seen, state=LedgerState.RECORDED, mail_id=existing, sha256=raw.sha256)
            report.linked += 1
            return
        if problem:
            triaged = self.pipeline().unreadable(raw, problem)
        else:
            triaged = judged() if judged is not None else triage_counted(self.pipeline(), self.store, raw)
        entry = LedgerEntry(self.ledger.place, seen)
        if self.commands is not None and self.commands(triaged, self.box, self.store, self.origin, entry):
            report.recorded += 1
            return
        reply = None
        if self.plan_reply is not None:
            reply = self.plan_reply(triaged, self.box, self.store, self._held_back(raw, triaged))
        record_triaged(self.store, triaged, self.origin, ledger=entry, reply=reply)
        report.recorded += 1

    def _finish(
        self, ahead: Ahead, *, state: FolderState, meta: MessageMeta, report: PollReport, reading: ReadAhead
    ) -> None:
        """A mail read ahead, at its turn."""
        judged = functools.partial(reading.triaged, ahead)
        try:
            self._record(ahead.raw, state, meta, report, problem=ahead.problem, judged=judged)
        finally:  # recorded (the store links its own copy), or to be fetched again by the next poll
            self.spool.remove(ahead.raw.spool)

    def _held_back(self, raw: RawMail, triaged: Triaged) -> str | None:
        # Our server's INTERNALDATE, not the mail's own Date or Received, which the sender writes.
        arrived = raw.server_received_at or triaged.result.received_at
        return replies.held_back(arrived, utc_now(), self.reply_max_age, first_contact=self.first_contact)


def _seen(state: FolderState, meta: MessageMeta) -> SeenUid:
    return SeenUid(state.uidvalidity, meta.uid, meta.gm_msgid, meta.size, meta.internaldate)


def _placeholder(raw: RawMail) -> RawMail:
    """What stands for a mail we will not download: named by where it is, since its bytes are unknown."""
    return raw.model_copy(update={"sha256": hashlib.sha256(f"not-downloaded:{raw.source}".encode()).hexdigest()})
