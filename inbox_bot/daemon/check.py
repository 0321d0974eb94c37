"""`inbox-bot check`: can inbox-bot work with these servers? Each mailbox and the SMTP server, asked, not touched.

Per mailbox: the login, the capabilities, the delimiter and the personal namespace, whether folders can be
created (from MYRIGHTS where the server has ACL, else unknown), the folders it would file into (and which
exist), how many mails the next poll would read, and whether new mail will be pushed (IDLE) or only
polled. Nothing is created, moved, flagged, recorded or sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from inbox_bot.config.secrets import read_credential
from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.errors import InboxBotError
from inbox_bot.core.models import Rule, Verdict
from inbox_bot.daemon.filing import target_folder
from inbox_bot.outgoing.mailer import DeliveryFailed, Mailer
from inbox_bot.sources.imap import ImapMailbox
from inbox_bot.sources.imap_probe import probe, waiting
from inbox_bot.storage.ledger import Ledger, PendingFiling
from inbox_bot.storage.store import Store

NO_CALL = "sans-appel"


@dataclass
class MailboxCheck:
    name: str
    login: str = "failed"
    error: str = ""
    capabilities: list[str] = field(default_factory=list)
    delimiter: str = ""
    prefix: str = ""
    namespace: list[tuple[str, str]] = field(default_factory=list)
    can_create: str = ""
    folders: list[dict[str, Any]] = field(default_factory=list)  # {"folder", "exists"}
    waiting: int | None = None
    push: str = ""  # "idle", "off" (idle = false) or "unsupported" (the server has no IDLE)
    push_detail: str = ""


@dataclass
class CheckReport:
    mailboxes: list[MailboxCheck] = field(default_factory=list)
    smtp: str = "not configured: nothing is sent"
    smtp_ok: bool = True

    @property
    def failed(self) -> bool:
        return not self.smtp_ok or any(box.error for box in self.mailboxes)

    def as_dict(self) -> dict[str, Any]:
        boxes = [asdict(box) for box in self.mailboxes]
        return {"mailboxes": boxes, "smtp": self.smtp, "smtp_ok": self.smtp_ok, "failed": self.failed}


def check_all(settings: Settings, rules: Mapping[str, Rule]) -> CheckReport:
    report = CheckReport()
    store = Store(settings.database, settings.storage) if settings.database.exists() else None
    try:
        for box in settings.mailboxes:
            report.mailboxes.append(check_mailbox(box, rules, store))
    finally:
        if store is not None:
            store.close()
    if settings.smtp is not None:
        mailer = Mailer(settings.smtp)
        try:
            mailer.connect()
            report.smtp = f"ok: {settings.smtp.host}:{settings.smtp.port} accepted the connection and the login"
        except DeliveryFailed as exc:
            report.smtp, report.smtp_ok = exc.one_line(), False
        finally:
            mailer.close()
    return report


def check_mailbox(box: MailboxSettings, rules: Mapping[str, Rule], store: Store | None) -> MailboxCheck:
    found = MailboxCheck(box.name)
    try:
        imap = ImapMailbox(box, read_credential(box))
        with imap.connect():
            found.login = "ok"
            seen = probe(imap)
            found.capabilities, found.delimiter, found.prefix = seen.capabilities, seen.delimiter, seen.prefix
            found.namespace = seen.personal_namespaces
            found.can_create = seen.can_create
            names = {path: imap.folder_name(path) for path in filing_folders(box, rules)}
            found.folders = [{"folder": path, "name": n, "exists": n in seen.folders} for path, n in names.items()]
            state = imap.status()
            ledger = Ledger(store, box.name, box.folder) if store is not None else None
            known = ledger.max_uid(state.uidvalidity) if ledger is not None else None
            found.waiting = waiting(imap, state, known)
            found.push, found.push_detail = push_mode(box, seen.capabilities)
    except InboxBotError as exc:
        found.error = exc.one_line()
    return found


def filing_folders(box: MailboxSettings, rules: Mapping[str, Rule]) -> list[str]:
    """Every folder `file_into` names for these calls and the verdicts that are filed, as configured ("/")."""
    folders: dict[str, None] = {}
    for call in [*sorted(rules), None]:
        for verdict in Verdict:
            if call is None and verdict in (Verdict.COMPLETE, Verdict.INCOMPLETE, Verdict.LATE, Verdict.DUPLICATE):
                continue  # only a mail matched to a call gets these verdicts
            filing = PendingFiling(0, 0, 0, "", call, verdict.value)
            target = target_folder(box, filing, dict(rules))
            if target is not None:
                folders[target] = None
    return list(folders)


def push_mode(box: MailboxSettings, capabilities: list[str]) -> tuple[str, str]:
    """How the daemon will learn of new mail here: the same choice daemon.push makes when it starts."""
    polls = f"polled every {box.poll_every}"
    if not box.idle:
        return "off", f"{polls} only (idle = false)"
    if "IDLE" not in capabilities:
        return "unsupported", f"{polls} only: the server does not offer IDLE"
    return "idle", f"IDLE on a second connection, renewed every {box.idle_renew}; {polls} as well"
