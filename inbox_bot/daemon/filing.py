"""Filing on the server, after recording: each mail moved to its call's folder, or left where it is.

A ledger row still `recorded` is filed at the next poll, so a crash between recording and the MOVE loses
nothing; a mail no longer in the folder is looked for in its target folder before it is called `gone`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from inbox_bot.config.settings import MailboxSettings
from inbox_bot.core.errors import MailboxError
from inbox_bot.core.models import Rule
from inbox_bot.core.states import LedgerState
from inbox_bot.daemon.poll_report import PollReport
from inbox_bot.sources.imap_values import FolderState
from inbox_bot.sources.mailbox import Mailbox
from inbox_bot.storage.ledger import Ledger, PendingFiling

log = logging.getLogger(__name__)


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


class Filer:
    """Files the recorded mails of one mailbox's folder, one MOVE per target folder."""

    def __init__(self, box: MailboxSettings, ledger: Ledger) -> None:
        self.box = box
        self.ledger = ledger

    def file_pending(
        self,
        imap: Mailbox,
        state: FolderState,
        rules: Callable[[], dict[str, Rule]],
        report: PollReport,
        should_stop: Callable[[], bool],
    ) -> None:
        pending = self.ledger.pending_filings(state.uidvalidity)
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
        in_force = rules()
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
            if should_stop():
                return
            self._file_into(imap, target, filings, report)

    def _look_for(
        self, imap: Mailbox, state: FolderState, target: str, filing: PendingFiling, report: PollReport
    ) -> None:
        """Moved before a crash let us write it down, or moved by a person: look where it should be."""
        try:
            found = self._found_in(imap, state, target, filing)
        except MailboxError as exc:
            self.ledger.failed_filing(filing.ledger_id, exc.one_line())
            report.errors.append(exc.one_line())
            return
        self.ledger.mark(filing.ledger_id, found, folder=target, filing=filing)

    def _file_into(self, imap: Mailbox, target: str, filings: list[PendingFiling], report: PollReport) -> None:
        """One MOVE for every mail bound for one folder, then their ledger rows in one transaction."""
        try:
            imap.move_many([f.uid for f in filings], imap.ensure_folder(target))
        except MailboxError as exc:
            log.warning("mailbox %s: filing into %s failed: %s", self.box.name, target, exc)
            for filing in filings:
                self.ledger.failed_filing(filing.ledger_id, exc.one_line())
            report.errors.append(exc.one_line())
            return
        self.ledger.mark_all(filings, LedgerState.FILED, folder=target)
        report.filed += len(filings)

    @staticmethod
    def _found_in(imap: Mailbox, state: FolderState, target: str, filing: PendingFiling) -> LedgerState:
        try:
            imap.select(imap.ensure_folder(target))  # the server's name for the folder (INBOX.x.y on Courier)
            found = imap.find_message_id(filing.message_id) if _searchable(filing.message_id) else []
        except ValueError:  # a Message-ID unfit for an IMAP command is never sent: treat it as not found
            found = []
        finally:
            imap.select(state.folder)
        return LedgerState.FILED if found else LedgerState.GONE


def _searchable(message_id: str) -> bool:
    return not message_id.endswith("@inbox-bot.invalid>")
