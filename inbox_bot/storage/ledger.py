"""The IMAP ledger: a row for every UID seen, keyed (mailbox, folder, UIDVALIDITY, UID), and mailbox health.

The ledger is how a poll knows what it has already read without asking the server for bodies, and how
filing survives a crash: a mail is recorded with its ledger row in one unit of work, filed afterwards, and a
row still `recorded` on the next poll is filed then. The states are `core.states.LedgerState`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inbox_bot.core.states import LedgerState
from inbox_bot.storage import counts
from inbox_bot.storage.rows import as_json

if TYPE_CHECKING:
    from inbox_bot.storage.store import Store

__all__ = [
    "Ledger", "LedgerState", "PendingFiling", "Place", "Refiling", "SeenUid", "add_row", "health", "ledger_counts"
]


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Place:
    mailbox: str
    folder: str


@dataclass(frozen=True)
class SeenUid:
    """A UID as the server described it, before its body is read."""

    uidvalidity: int
    uid: int
    gm_msgid: int | None = None
    size: int | None = None
    internaldate: datetime | None = None


@dataclass(frozen=True)
class PendingFiling:
    ledger_id: int
    uid: int
    mail_id: int
    message_id: str
    call: str | None
    verdict: str
    organisation: str | None = None
    attempts: int = 0  # filings tried and failed so far: the next one waits longer (daemon.filing)


@dataclass(frozen=True)
class Refiling:
    """A mail whose verdict or call changed after it was filed or left: where it is, and what it is now."""

    filing: PendingFiling  # its call and verdict now
    state: LedgerState  # filed (it is in `filed_folder`) or left (it is still in the polled folder, under its UID)
    filed_folder: str | None


def add_row(
    store: Store,
    place: Place,
    seen: SeenUid,
    *,
    state: LedgerState,
    mail_id: int | None,
    sha256: str | None = None,
    message_id: str | None = None,
    error: str | None = None,
) -> None:
    """Insert the row of a UID; a UID already in the ledger keeps its row (a replay is a no-op)."""
    store.db.execute(
        "insert or ignore into ledger (mailbox, folder, uidvalidity, uid, sha256, gm_msgid, message_id, size, "
        "internaldate, mail_id, state, error, attempts, seen_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        [
            place.mailbox,
            place.folder,
            seen.uidvalidity,
            seen.uid,
            sha256,
            seen.gm_msgid,
            message_id,
            seen.size,
            seen.internaldate.isoformat() if seen.internaldate else None,
            mail_id,
            state.value,
            error,
            now(),
        ],
    )


class Ledger:
    def __init__(self, store: Store, mailbox: str, folder: str) -> None:
        self.store = store
        self.db = store.db
        self.place = Place(mailbox, folder)
        self.mailbox = mailbox
        self.folder = folder

    # ------------------------------------------------------------ what we have seen

    def stored_uidvalidity(self) -> int | None:
        rows = list(self.db.query("select uidvalidity from mailbox_health where mailbox = ?", [self.mailbox]))
        value = rows[0]["uidvalidity"] if rows else None
        return int(value) if value is not None else None

    def max_uid(self, uidvalidity: int) -> int | None:
        rows = list(
            self.db.query(
                "select max(uid) as top from ledger where mailbox = ? and folder = ? and uidvalidity = ?",
                [self.mailbox, self.folder, uidvalidity],
            )
        )
        top = rows[0]["top"] if rows else None
        return int(top) if top is not None else None

    def known_uids(self, uidvalidity: int) -> set[int]:
        return {
            int(r["uid"])
            for r in self.db.query(
                "select uid from ledger where mailbox = ? and folder = ? and uidvalidity = ?",
                [self.mailbox, self.folder, uidvalidity],
            )
        }

    def mail_by_gm_msgid(self, gm_msgid: int) -> int | None:
        rows = list(
            self.db.query("select mail_id from ledger where gm_msgid = ? and mail_id is not null limit 1", [gm_msgid])
        )
        return int(rows[0]["mail_id"]) if rows else None

    # ------------------------------------------------------------ writing rows

    def add(self, seen: SeenUid, *, state: LedgerState, mail_id: int | None, sha256: str | None = None) -> None:
        """A row for a UID that needs no unit of work of its own (linked to a mail already recorded)."""
        with self.store.transaction():
            add_row(self.store, self.place, seen, state=state, mail_id=mail_id, sha256=sha256)

    def pending_filings(self, uidvalidity: int, now: datetime | None = None) -> list[PendingFiling]:
        """The rows to file now: a row whose filing failed waits until its `retry_at` (all of them without `now`)."""
        # Found through the index on `state`: few rows wait for filing, while the folder's own rows grow with it.
        # The unary + keeps SQLite from walking the (mailbox, folder, uidvalidity, uid) index instead, which it
        # prefers for its three equalities and which made every idle poll read every row of the folder.
        due = now.astimezone(UTC).isoformat() if now is not None else "9999"  # ISO texts compare as times do
        rows = self.db.query(
            "select l.id, l.uid, l.mail_id, l.attempts, m.message_id, m.call, m.verdict from ledger l "
            "join mails m on m.id = l.mail_id where l.state = ? and +l.mailbox = ? and +l.folder = ? "
            "and +l.uidvalidity = ? and (l.retry_at is null or l.retry_at <= ?) order by l.uid",
            [LedgerState.RECORDED.value, self.mailbox, self.folder, uidvalidity, due],
        )
        return [_pending_from_row(r) for r in rows]

    def refilings(self, uidvalidity: int, now: datetime) -> list[Refiling]:
        """The rows whose mail changed verdict or call since it was filed or left, due now (after a failed try,
        they wait as pending filings do)."""
        rows = self.db.query(
            "select l.id, l.uid, l.mail_id, l.attempts, l.state, l.filed_folder, m.message_id, m.call, m.verdict "
            "from ledger l join mails m on m.id = l.mail_id where l.refile = 1 and +l.mailbox = ? and +l.folder = ? "
            "and +l.uidvalidity = ? and (l.retry_at is null or l.retry_at <= ?) order by l.uid",
            [self.mailbox, self.folder, uidvalidity, now.astimezone(UTC).isoformat()],
        )
        return [
            Refiling(_pending_from_row(r), LedgerState(r["state"]), r["filed_folder"])
            for r in rows
        ]

    def file_again(self, ledger_id: int) -> None:
        """A mail left in the polled folder now has somewhere to go: it is filed like a new one, by its UID."""
        with self.store.transaction():
            self.db.execute(
                "update ledger set state = ?, refile = null, attempts = 0, retry_at = null, error = null "
                "where id = ?",
                [LedgerState.RECORDED.value, ledger_id],
            )

    def filing_errors(self) -> int:
        """This mailbox's rows still waiting to be filed, or moved again, after a failed try (backed off or not)."""
        rows = self.db.query(
            "select (select count(*) from ledger where state = ? and +mailbox = ? and error is not null) + "
            "(select count(*) from ledger where refile = 1 and mailbox = ? and error is not null) as n",
            [LedgerState.RECORDED.value, self.mailbox, self.mailbox],
        )
        return int(next(iter(rows))["n"])

    def mark(
        self,
        ledger_id: int,
        state: LedgerState,
        *,
        folder: str | None = None,
        filing: PendingFiling | None = None,
        error: str | None = None,
    ) -> None:
        with self.store.transaction():
            self.db.execute(
                "update ledger set state = ?, filed_folder = coalesce(?, filed_folder), "
                "filed_verdict = coalesce(?, filed_verdict), filed_call = coalesce(?, filed_call), error = ?, "
                "filed_at = ? where id = ?",
                [
                    state.value,
                    folder,
                    filing.verdict if filing else None,
                    filing.call if filing else None,
                    error,
                    now(),
                    ledger_id,
                ],
            )
            if filing is not None:
                self._flag_if_changed_meanwhile(ledger_id, filing)
                detail: dict[str, Any] = {"mailbox": self.mailbox, "state": state.value, "folder": folder}
                self._event(filing.mail_id, "filing", detail)

    def _flag_if_changed_meanwhile(self, ledger_id: int, filing: PendingFiling) -> None:
        """Filed by the verdict read before the MOVE: an override that came in between flags it to move again
        (the trigger of m013 only sees rows already filed or left)."""
        self.db.execute(
            "update ledger set refile = case when exists (select 1 from mails m where m.id = ? and "
            "(m.verdict is not ? or m.call is not ?)) and state in (?, ?) then 1 end where id = ?",
            [
                filing.mail_id,
                filing.verdict,
                filing.call,
                LedgerState.FILED.value,
                LedgerState.LEFT.value,
                ledger_id,
            ],
        )

    def mark_all(self, filings: list[PendingFiling], state: LedgerState, *, folder: str) -> None:
        """Several rows at once, in one transaction (one MOVE filed them all)."""
        with self.store.transaction():
            for filing in filings:
                self.mark(filing.ledger_id, state, folder=folder, filing=filing)

    def failed_filing(self, ledger_id: int, error: str, retry_at: datetime | None = None) -> None:
        """One more failed try; the row stays `recorded` (the mail where it is) and waits until `retry_at`."""
        retry = retry_at.astimezone(UTC).isoformat() if retry_at else None
        with self.store.transaction():
            self.db.execute(
                "update ledger set attempts = attempts + 1, error = ?, retry_at = ? where id = ?",
                [error, retry, ledger_id],
            )

    def _event(self, mail_id: int, kind: str, detail: dict[str, Any]) -> None:
        row = {"mail_id": mail_id, "at": now(), "kind": kind, "detail": as_json(detail)}
        self.db.table("events").insert(row)

    # ------------------------------------------------------------ health

    def poll_succeeded(self, uidvalidity: int, mails_seen: int) -> None:
        stamp = now()
        with self.store.transaction():
            self._health_row()
            self.db.execute(
                "update mailbox_health set folder = ?, uidvalidity = ?, last_poll_at = ?, last_ok_at = ?, "
                "failing_since = null, polls = polls + 1, mails_seen = mails_seen + ? where mailbox = ?",
                [self.folder, uidvalidity, stamp, stamp, mails_seen, self.mailbox],
            )

    def poll_failed(self, error: str, cause: str | None = None) -> None:
        stamp = now()
        with self.store.transaction():
            self._health_row()
            self.db.execute(
                "update mailbox_health set last_poll_at = ?, last_error = ?, last_error_at = ?, cause = ?, "
                "failing_since = coalesce(failing_since, ?), polls = polls + 1, failures = failures + 1 "
                "where mailbox = ?",
                [stamp, error, stamp, cause, stamp, self.mailbox],
            )

    def _health_row(self) -> None:
        self.db.execute(
            "insert or ignore into mailbox_health (mailbox, folder) values (?, ?)", [self.mailbox, self.folder]
        )


def health(store: Store) -> list[dict[str, Any]]:
    """Every mailbox's health row ([] before any poll made the table)."""
    if not store.db.table("mailbox_health").exists():
        return []
    return list(store.db.query("select * from mailbox_health order by mailbox"))


def ledger_counts(store: Store) -> list[dict[str, Any]]:
    return [{"mailbox": mailbox, "state": state, "n": n} for mailbox, state, n in counts.tallied(store, "ledger")]


def _pending_from_row(r: dict[str, Any]) -> PendingFiling:
    """A ledger row joined to its mail (id, uid, mail_id, attempts, message_id, call, verdict)."""
    return PendingFiling(
        int(r["id"]),
        int(r["uid"]),
        int(r["mail_id"]),
        str(r["message_id"]),
        r["call"],
        str(r["verdict"]),
        attempts=int(r["attempts"] or 0),
    )
