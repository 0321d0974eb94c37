"""Gmail's own behaviour, which Dovecot cannot be made to show: a mail under two labels has two UIDs but one
X-GM-MSGID. A small stand-in for the IMAP adapter (only this edge case uses one); everything else is real."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.models import RawMail
from inbox_bot.daemon.intake import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.sources.imap_values import FolderState, MessageMeta
from inbox_bot.storage.store import Store
from tests.mailbuilder import MessageBuilder, make_pdf
from tests.values import RULES

RECEIVED = datetime(2026, 4, 20, 9, tzinfo=UTC)


def application() -> bytes:
    return (
        MessageBuilder()
        .sender("Karim Alaoui", "karim@example.ma")
        .to("omdp.direction.2@gmail.com")
        .subject("Candidature_chargé(e) de projet_OMP")
        .message_id("<gm-1@example.ma>")
        .date(RECEIVED)
        .received(RECEIVED, by="mx.google.com")
        .attach("CV.pdf", make_pdf(["Curriculum vitae", "Expérience professionnelle", "Formation", "Langues"]))
        .build()
    )


class GmailLabel:
    """One label of a Gmail account as the IMAP adapter shows it: one mail, Gmail's id for it."""

    def __init__(self, name: str, folder: str, uid: int, raw: bytes) -> None:
        self.name, self.folder, self.uid, self.raw = name, folder, uid, raw
        self.body_downloads = 0
        self.moved: list[tuple[int, str]] = []

    def connect(self) -> GmailLabel:
        return self

    def close(self) -> None:
        pass

    def quiet(self) -> bool:
        return False

    def status(self, folder: str | None = None) -> FolderState:
        return FolderState(folder=self.folder, uidvalidity=7, uidnext=self.uid + 1, exists=1, selected=False)

    def select(self, folder: str | None = None) -> FolderState:
        return FolderState(folder=self.folder, uidvalidity=7, uidnext=self.uid + 1, exists=1, selected=True)

    def new_uids(self, known_max_uid: int | None, known: object = None) -> list[int]:
        return [] if known_max_uid is not None and known_max_uid >= self.uid else [self.uid]

    def fetch_meta(self, uids: Iterable[int]) -> dict[int, MessageMeta]:
        return {
            uid: MessageMeta(uid=uid, size=len(self.raw), internaldate=RECEIVED, flags=frozenset(), gm_msgid=1234)
            for uid in uids
            if uid == self.uid and not self.moved
        }

    def fetch_bodies(self, uids: Iterable[int], batch: int = 10) -> Iterator[tuple[int, bytes]]:
        for uid in uids:
            self.body_downloads += 1
            yield uid, self.raw

    def raw_mail(self, uid: int, raw: bytes, meta: MessageMeta | None = None) -> RawMail:
        return RawMail(
            source=f"{self.name}/{self.folder}/7/{uid}",
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            server_received_at=meta.internaldate if meta else None,
        )

    def ensure_folder(self, name: str) -> str:
        return name

    def move_many(self, uids: Iterable[int], folder: str) -> None:
        self.moved.extend((uid, folder) for uid in uids)


def poller(store: Store, name: str, folder: str) -> MailboxPoller:
    box = MailboxSettings(
        name=name, host="imap.gmail.com", username="omdp.direction.2@gmail.com", password_env="UNUSED", folder=folder
    )
    pipeline = build_pipeline(Settings(), RULES)
    return MailboxPoller(box, store, lambda: pipeline, max_mail_bytes=40_000_000)


def test_a_mail_under_two_labels_is_recorded_once_and_downloaded_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    raw = application()
    inbox, label = GmailLabel("gmail-inbox", "INBOX", 11, raw), GmailLabel("gmail-label", "Candidatures", 5, raw)
    first, second = poller(store, "gmail-inbox", "INBOX"), poller(store, "gmail-label", "Candidatures")
    first.imap, second.imap = inbox, label  # type: ignore[assignment]
    assert first.poll().recorded == 1
    report = second.poll()
    assert (report.recorded, report.linked) == (0, 1)
    assert (inbox.body_downloads, label.body_downloads) == (1, 0), "the second label is never downloaded"
    assert inbox.moved == [(11, "inbox-bot/omp-charge-projet-2026/incomplete")]
    assert label.moved == [], "a linked copy is the same mail: filed once"
    rows = list(store.db.query("select mailbox, state, gm_msgid from ledger order by id"))
    assert [(r["mailbox"], r["state"]) for r in rows] == [("gmail-inbox", "filed"), ("gmail-label", "linked")]
    assert store.db.execute("select count(*) from mails").fetchone()[0] == 1
    store.close()
