"""The IMAP ledger: a row for every UID seen, keyed (mailbox, folder, UIDVALIDITY, UID), and mailbox health.

The ledger is how a poll knows what it has already read without asking the server for bodies, and how
filing survives a crash: a mail is recorded with its ledger row in one transaction, filed afterwards, and a
row still marked `recorded` on the next poll is filed then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from inbox_bot.storage.store import Store

RECORDED = "recorded"  # in the store, not yet filed on the server
FILED = "filed"  # moved to its folder
LEFT = "left"  # stays where it is (unmatched, ignored...)
LINKED = "linked"  # the same mail already came through another folder or label: nothing to do
GONE = "gone"  # no longer in the folder, and not in the target folder either (someone moved it)


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class PendingFiling:
    ledger_id: int
    uid: int
    mail_id: int
    message_id: str
    call: str | None
    verdict: str
    organisation: str | None = None


class Ledger:
    def __init__(self, store: Store, mailbox: str, folder: str) -> None:
        self.store = store
        self.db = store.db
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

    def add(
        self,
        uidvalidity: int,
        uid: int,
        *,
        state: str,
        mail_id: int | None,
        sha256: str | None = None,
        gm_msgid: int | None = None,
        message_id: str | None = None,
        size: int | None = None,
        internaldate: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Insert the row of a UID; a UID already in the ledger keeps its row (a replay is a no-op)."""
        self.db.execute(
            "insert or ignore into ledger (mailbox, folder, uidvalidity, uid, sha256, gm_msgid, message_id, size, "
            "internaldate, mail_id, state, error, attempts, seen_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            [
                self.mailbox,
                self.folder,
                uidvalidity,
                uid,
                sha256,
                gm_msgid,
                message_id,
                size,
                internaldate.isoformat() if internaldate else None,
                mail_id,
                state,
                error,
                now(),
            ],
        )

    def pending_filings(self, uidvalidity: int) -> list[PendingFiling]:
        # Found through the index on `state`: few rows wait for filing, while the folder's own rows grow with it.
        # The unary + keeps SQLite from walking the (mailbox, folder, uidvalidity, uid) index instead, which it
        # prefers for its three equalities and which made every idle poll read every row of the folder.
        rows = self.db.query(
            "select l.id, l.uid, l.mail_id, m.message_id, m.call, m.verdict from ledger l "
            "join mails m on m.id = l.mail_id where l.state = ? and +l.mailbox = ? and +l.folder = ? "
            "and +l.uidvalidity = ? order by l.uid",
            [RECORDED, self.mailbox, self.folder, uidvalidity],
        )
        return [
            PendingFiling(
                int(r["id"]), int(r["uid"]), int(r["mail_id"]), str(r["message_id"]), r["call"], str(r["verdict"])
            )
            for r in rows
        ]

    def mark(
        self,
        ledger_id: int,
        state: str,
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
                    state,
                    folder,
                    filing.verdict if filing else None,
                    filing.call if filing else None,
                    error,
                    now(),
                    ledger_id,
                ],
            )
            if filing is not None:
                detail: dict[str, Any] = {"mailbox": self.mailbox, "state": state, "folder": folder}
                self.store.add_event(filing.mail_id, "filing", detail)

    def failed_filing(self, ledger_id: int, error: str) -> None:
        self.db.execute("update ledger set attempts = attempts + 1, error = ? where id = ?", [error, ledger_id])
        self.db.conn.commit()

    # ------------------------------------------------------------ health

    def poll_succeeded(self, uidvalidity: int, mails_seen: int) -> None:
        stamp = now()
        self._health_row()
        self.db.execute(
            "update mailbox_health set folder = ?, uidvalidity = ?, last_poll_at = ?, last_ok_at = ?, "
            "failing_since = null, polls = polls + 1, mails_seen = mails_seen + ? where mailbox = ?",
            [self.folder, uidvalidity, stamp, stamp, mails_seen, self.mailbox],
        )
        self.db.conn.commit()

    def poll_failed(self, error: str) -> None:
        stamp = now()
        self._health_row()
        self.db.execute(
            "update mailbox_health set last_poll_at = ?, last_error = ?, last_error_at = ?, "
            "failing_since = coalesce(failing_since, ?), polls = polls + 1, failures = failures + 1 "
            "where mailbox = ?",
            [stamp, error, stamp, stamp, self.mailbox],
        )
        self.db.conn.commit()

    def _health_row(self) -> None:
        self.db.execute(
            "insert or ignore into mailbox_health (mailbox, folder) values (?, ?)", [self.mailbox, self.folder]
        )


def health(store: Store) -> list[dict[str, Any]]:
    return list(store.db.query("select * from mailbox_health order by mailbox"))


def ledger_counts(store: Store) -> list[dict[str, Any]]:
    return list(
        store.db.query(
            "select mailbox, state, count(*) as n from ledger group by mailbox, state order by mailbox, state"
        )
    )
