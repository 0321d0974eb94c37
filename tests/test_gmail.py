"""Gmail's own behaviour, which Dovecot cannot be made to show: a mail under two labels has two UIDs but one
X-GM-MSGID. The in-memory twin plays Gmail here (only this edge case needs it); the poller and store are real."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox_bot.sources.mailbox import MailboxFactory
from inbox_bot.sources.memory import GMAIL_LIKE, MemoryServer
from inbox_bot.sources.memory_mailbox import MemoryMailbox
from inbox_bot.storage.store import Store
from tests.mailbuilder import MessageBuilder, make_pdf
from tests.pollkit import mailbox_settings, poller

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


def test_a_mail_under_two_labels_is_recorded_once_and_downloaded_once(store: Store) -> None:
    # GIVEN one mail under two labels: two folders, two UIDs, one X-GM-MSGID
    server = MemoryServer(capabilities=GMAIL_LIKE)
    raw = application()
    server.append("INBOX", raw, internaldate=RECEIVED, gm_msgid=1234)
    label_uid = server.append("Candidatures", raw, internaldate=RECEIVED, gm_msgid=1234)
    first = poller(store, twin(server), mailbox_settings("gmail-inbox", "INBOX"))
    second = poller(store, twin(server), mailbox_settings("gmail-label", "Candidatures"))
    # WHEN the inbox is polled, then the label
    assert first.poll().recorded == 1
    report = second.poll()
    # THEN the label's copy is linked, never downloaded, and the mail filed once
    assert (report.recorded, report.linked) == (0, 1)
    assert isinstance(first.imap, MemoryMailbox) and isinstance(second.imap, MemoryMailbox)
    assert (first.imap.stats.body_bytes, second.imap.stats.body_bytes) == (len(raw), 0), "the label is never read"
    assert server.raws("inbox-bot/omp-charge-projet-2026/incomplete") == [raw]
    assert server.uids("INBOX") == []
    assert server.uids("Candidatures") == [label_uid], "a linked copy is the same mail: filed once"
    rows = list(store.db.query("select mailbox, state, gm_msgid from ledger order by id"))
    assert [(r["mailbox"], r["state"]) for r in rows] == [("gmail-inbox", "filed"), ("gmail-label", "linked")]
    assert store.db.execute("select count(*) from mails").fetchone()[0] == 1


def twin(server: MemoryServer) -> MailboxFactory:
    return lambda box: MemoryMailbox(server, box.name, box.folder)
