"""What the poll tests share, on the in-memory twin (fast tier) and on Dovecot (real tier): test mails,
one mailbox's settings, a poller on the shipped rules, and reading the outcome back from the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poller import MailboxPoller
from inbox_bot.sources.mailbox import MailboxFactory
from inbox_bot.storage.store import Store
from tests.mailbuilder import MessageBuilder, make_pdf
from tests.values import RULES

CHARGE = "omdp.direction.2@gmail.com"
APRIL = datetime(2026, 4, 1, 9, tzinfo=UTC)  # the project officer call is open until 4 May 2026
INCOMPLETE = "inbox-bot/omp-charge-projet-2026/incomplete"  # where an application with only a CV is filed


def application(number: int, *, received: datetime | None = None) -> bytes:
    """An application to the OMP project officer call with a CV only: `incomplete`, filed."""
    when = received or APRIL + timedelta(minutes=number)
    return (
        MessageBuilder()
        .sender(f"Candidat {number}", f"candidat{number}@example.ma")
        .to(CHARGE)
        .subject("Candidature_chargé(e) de projet_OMP")
        .message_id(f"<app-{number}@example.ma>")
        .date(when)
        .received(when, by="mx.google.com")
        .body("Bonjour, veuillez trouver ci-joint mon dossier.")
        .attach(
            f"CV_{number}.pdf",
            make_pdf(
                [
                    f"Curriculum vitae du candidat {number}",
                    "Expérience professionnelle",
                    "Formation",
                    "Compétences",
                    "Langues",
                ]
            ),
        )
        .build()
    )


def spam() -> bytes:
    """A mail for no call: `unmatched`, left in the inbox."""
    return MessageBuilder().sender("Promo", "promo@example.com").to(CHARGE).subject("Offre").body("x").build()


def received(number: int) -> datetime:
    """When the server received `application(number)`: its INTERNALDATE."""
    return APRIL + timedelta(minutes=number)


def mailbox_settings(name: str = "ngo", folder: str = "INBOX", *, batch_size: int = 50) -> MailboxSettings:
    """A mailbox whose secret is never read: the poller is given its mailbox by a factory."""
    return MailboxSettings(
        name=name,
        host="127.0.0.1",
        security="none",
        username=name,
        password_env="INBOX_BOT_TEST_UNUSED",
        folder=folder,
        batch_size=batch_size,
    )


def poller(store: Store, mailboxes: MailboxFactory, box: MailboxSettings | None = None) -> MailboxPoller:
    pipeline = build_pipeline(Settings(), RULES)
    return MailboxPoller(
        box or mailbox_settings(), store, lambda: pipeline, max_mail_bytes=40_000_000, mailboxes=mailboxes
    )


def ledger_states(store: Store) -> list[tuple[int, str]]:
    return [(row["uid"], row["state"]) for row in store.db.query("select uid, state from ledger order by uid")]


def mail_count(store: Store) -> int:
    return int(store.db.execute("select count(*) from mails").fetchone()[0])
