"""Filing on the server, after recording: each mail moved to its call's folder, or left where it is.

A ledger row still `recorded` is filed at the next poll, so a crash between recording and the MOVE loses
nothing; a mail no longer in the folder is looked for in its target folder before it is called `gone`.

A refused filing leaves the mail where it is, its row `recorded`, and makes the mailbox `degraded` (storage.failures)
until a filing pass ends with no row left unfiled by an error. The row is tried again later, not at every poll:
5 minutes after its first refusal, then twice as long each time, up to 6 hours; never given up. A connection
lost while filing is no refusal: the next poll tries again.

A mail whose verdict or call changes after it was filed (an override, a re-triage, a command by mail: the
trigger of storage m013 flags its row) is moved again at the next poll, found by its Message-ID where it was
filed; the same backoff applies when that is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.models import Rule
from inbox_bot.core.reasons import Action, Cause
from inbox_bot.core.states import LedgerState
from inbox_bot.daemon.poll_report import PollReport
from inbox_bot.sources.imap_failures import cause_of
from inbox_bot.sources.imap_values import FolderState
from inbox_bot.sources.mailbox import Mailbox
from inbox_bot.storage import failures
from inbox_bot.storage.ledger import Ledger, PendingFiling
from inbox_bot.storage.rows import utc_now

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(minutes=5)
LAST_RETRY = timedelta(hours=6)


def retry_after(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`-th failed filing (1 for the first)."""
    doubled: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)  # 2**16 * 5 min is far past the cap
    return min(LAST_RETRY, doubled)


def target_folder(box: MailboxSettings, filing: PendingFiling, rules: dict[str, Rule]) -> str | None:
    """Where a mail goes on the server; None to leave it where it is."""
    if filing.verdict in box.leave_verdicts:
        return None
    rule = rules.get(filing.call or "")
    organisation = rule.organisation if rule else "sans-appel"
    return box.file_into.format(
        call=filing.call or "sans-appel", verdict=filing.verdict, organisation=_folder_part(organisation)
    )


def _folder_part(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in text).strip() or "x"


@dataclass(frozen=True)
class _Pass:
    """One filing pass over a polled folder: its connection, the rules in force, what the poll reports."""

    imap: Mailbox
    state: FolderState
    rules: Callable[[], dict[str, Rule]]
    report: PollReport
    should_stop: Callable[[], bool]


class Filer:
    """Files the recorded mails of one mailbox's folder, one MOVE per target folder."""

    def __init__(self, box: MailboxSettings, ledger: Ledger, clock: Callable[[], datetime] = utc_now) -> None:
        self.box = box
        self.ledger = ledger
        self.clock = clock  # the seam: tests move time on to see a backed-off row tried again

    def file_pending(
        self,
        imap: Mailbox,
        state: FolderState,
        rules: Callable[[], dict[str, Rule]],
        report: PollReport,
        should_stop: Callable[[], bool],
    ) -> None:
        errors = len(report.errors)
        this_pass = _Pass(imap, state, rules, report, should_stop)
        self._refile_changed(this_pass)
        self._file_due(this_pass)
        if len(report.errors) == errors and not self.ledger.filing_errors():
            failures.cleared(self.ledger.store, self.box.name, Action.FILING)

    def _file_due(self, this_pass: _Pass) -> None:
        imap, state, report = this_pass.imap, this_pass.state, this_pass.report
        pending = self.ledger.pending_filings(state.uidvalidity, self.clock())
        if not pending:
            return
        imap.select(state.folder)
        # A UID we flagged \Deleted after a COPY whose EXPUNGE never came (the connection dropped) is already
        # in its target: treat it as gone from here, so the search by Message-ID finds the copy, not a second one.
        present = {
            uid: meta
            for uid, meta in imap.fetch_meta([p.uid for p in pending]).items()
            if "\\Deleted" not in meta.flags
        }
        in_force = this_pass.rules()
        by_target: dict[str, list[PendingFiling]] = {}
        for filing in pending:
            target = target_folder(self.box, filing, in_force)
            if target is None:
                self.ledger.mark(filing.ledger_id, LedgerState.LEFT, filing=filing)
            elif filing.uid not in present:
                self._look_for(imap, state, target, filing, report)
            else:
                by_target.setdefault(target, []).append(filing)
        for target, filings in by_target.items():
            if this_pass.should_stop():
                return
            self._file_into(imap, target, filings, report)

    def _refile_changed(self, this_pass: _Pass) -> None:
        """A mail whose verdict or call changed after it was filed follows it: moved from the folder it was filed
        into to its new one. One left in the polled folder is filed like a new mail (by `_file_due`, next)."""
        refilings = self.ledger.refilings(this_pass.state.uidvalidity, self.clock())
        if not refilings:
            return
        in_force = this_pass.rules()
        for refiling in refilings:
            if this_pass.should_stop():
                return
            filing, target = refiling.filing, target_folder(self.box, refiling.filing, in_force)
            if refiling.state is LedgerState.LEFT:
                if target is None:
                    self.ledger.mark(filing.ledger_id, LedgerState.LEFT, filing=filing)
                else:
                    self.ledger.file_again(filing.ledger_id)
            elif target is None or target == refiling.filed_folder or refiling.filed_folder is None:
                # A verdict that is left where it is keeps a filed mail where it was filed: moving it back into the
                # polled folder would make it a new UID there, read again as new mail.
                self.ledger.mark(filing.ledger_id, LedgerState.FILED, filing=filing)
            else:
                self._move_again(this_pass, refiling.filed_folder, target, filing)

    def _move_again(self, this_pass: _Pass, source: str, target: str, filing: PendingFiling) -> None:
        """Found by its Message-ID in the folder it was filed into, moved to its new one. Not there: a crash may
        have come after the MOVE and before the ledger knew, so it is looked for in its new folder too."""
        imap, state, report = this_pass.imap, this_pass.state, this_pass.report
        try:
            found = self._in_folder(imap, source, filing)
            if found:
                imap.move_many(found, imap.ensure_folder(target))
                log.info("mailbox %s: mail %d moved again, %s -> %s", self.box.name, filing.mail_id, source, target)
        except MailboxError as exc:
            log.warning("mailbox %s: moving mail %d into %s failed: %s", self.box.name, filing.mail_id, target, exc)
            self._failed([filing], target, exc, report)
            return
        finally:
            imap.select(state.folder)
        if found:
            self.ledger.mark(filing.ledger_id, LedgerState.FILED, folder=target, filing=filing)
            report.filed += 1
        else:
            self._look_for(imap, state, target, filing, report)

    @staticmethod
    def _in_folder(imap: Mailbox, folder: str, filing: PendingFiling) -> list[int]:
        """The UIDs of the mail in `folder`, found by its Message-ID; left selected."""
        imap.select(imap.ensure_folder(folder))  # the server's name for the folder (INBOX.x.y on Courier)
        try:
            return imap.find_message_id(filing.message_id) if _searchable(filing.message_id) else []
        except ValueError:  # a Message-ID unfit for an IMAP command is never sent: treat it as not found
            return []

    def _look_for(
        self, imap: Mailbox, state: FolderState, target: str, filing: PendingFiling, report: PollReport
    ) -> None:
        """Moved before a crash let us write it down, or moved by a person: look where it should be."""
        try:
            found = self._found_in(imap, state, target, filing)
        except MailboxError as exc:
            self._failed([filing], target, exc, report)
            return
        self.ledger.mark(filing.ledger_id, found, folder=target, filing=filing)

    def _file_into(self, imap: Mailbox, target: str, filings: list[PendingFiling], report: PollReport) -> None:
        """One MOVE for every mail bound for one folder, then their ledger rows in one transaction."""
        try:
            imap.move_many([f.uid for f in filings], imap.ensure_folder(target))
        except MailboxError as exc:
            log.warning("mailbox %s: filing into %s failed: %s", self.box.name, target, exc)
            self._failed(filings, target, exc, report)
            return
        self.ledger.mark_all(filings, LedgerState.FILED, folder=target)
        report.filed += len(filings)

    def _failed(self, filings: list[PendingFiling], target: str, exc: MailboxError, report: PollReport) -> None:
        """Each row waits longer before its next try; the mailbox shows the failure and its cause.

        A lost connection is no refusal: the poll fails with it, and the next one (reconnected) tries again.
        """
        error, now, cause = exc.one_line(), self.clock(), exc.cause or cause_of(exc.message)
        report.errors.append(error)
        if cause is Cause.NETWORK:
            for filing in filings:
                self.ledger.failed_filing(filing.ledger_id, error)
            return
        for filing in filings:
            self.ledger.failed_filing(filing.ledger_id, error, now + retry_after(filing.attempts + 1))
        # The server's words without the English fix: status and the digest give the fix of its cause.
        failures.failed(self.ledger.store, self.box.name, Action.FILING, cause=cause, error=exc.message, folder=target)

    @classmethod
    def _found_in(cls, imap: Mailbox, state: FolderState, target: str, filing: PendingFiling) -> LedgerState:
        try:
            found = cls._in_folder(imap, target, filing)
        finally:
            imap.select(state.folder)
        return LedgerState.FILED if found else LedgerState.GONE


def _searchable(message_id: str) -> bool:
    return not message_id.endswith("@inbox-bot.invalid>")
