"""The database schema, as sqlite-utils migrations: each one runs once, in order, in its own transaction."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("inbox-bot")


@MIGRATIONS()
def m001_mails_documents_events(db: Database) -> None:
    db.table("mails").create(
        {
            "id": int,
            "sha256": str,
            "source": str,
            "file": str,
            "message_id": str,
            "sender": str,
            "sender_name": str,
            "subject": str,
            "received_at": str,
            "received_source": str,
            "call": str,
            "verdict": str,
            "missing": str,
            "reasons": str,
            "raw_path": str,
            "size": int,
            "recorded_at": str,
        },
        pk="id",
        not_null={"sha256", "source", "message_id", "received_at", "verdict", "raw_path"},
    )
    db.table("mails").create_index(["sha256"], unique=True)
    db.table("mails").create_index(["call", "sender"])
    db.table("mails").create_index(["message_id"])
    db.table("documents").create(
        {
            "id": int,
            "mail_id": int,
            "filename": str,
            "safe_name": str,
            "kind": str,
            "mime": str,
            "size": int,
            "sha256": str,
            "pages": int,
            "problem": str,
            "inside": str,
            "reasons": str,
            "path": str,
        },
        pk="id",
        foreign_keys=[("mail_id", "mails", "id")],
    )
    db.table("documents").create_index(["mail_id"])
    db.table("documents").create_index(["sha256"])
    db.table("events").create(
        {"id": int, "mail_id": int, "at": str, "kind": str, "detail": str},
        pk="id",
        foreign_keys=[("mail_id", "mails", "id")],
    )
    db.table("events").create_index(["mail_id"])
    db.table("extensions").create(
        {"id": int, "call": str, "applicant": str, "until": str, "note": str, "at": str},
        pk="id",
    )


@MIGRATIONS()
def m002_overrides_purged_counts(db: Database) -> None:
    # A person's decision on one mail: its verdict, or the kind of one of its documents (by content hash,
    # which survives a re-triage that rebuilds the document rows). The latest row for a field wins.
    db.table("overrides").create(
        {
            "id": int,
            "mail_id": int,
            "call": str,
            "applicant": str,
            "field": str,  # "verdict" or "kind"
            "document": str,  # sha256 of the document, for "kind"
            "filename": str,
            "value": str,
            "note": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("mail_id", "mails", "id")],
        not_null={"mail_id", "field", "value", "note", "at"},
    )
    db.table("overrides").create_index(["mail_id"])
    # What is left of a purged call: anonymous counts, nothing that names a person.
    db.table("purged_counts").create(
        {"id": int, "call": str, "verdict": str, "mails": int, "applications": int, "purged_at": str},
        pk="id",
    )


@MIGRATIONS()
def m003_outbox_digests(db: Database) -> None:
    """Mail inbox-bot sends (replies, digests, alerts) and the digests it sent.

    A reply is written here in the same transaction as the decision that calls for it; the sender job moves it
    queued -> sending (committed before the SMTP transaction) -> sent | queued again (retry) | failed, and a row
    left in `sending` by a crash becomes `unknown`: never sent again without a person deciding.
    """
    db.table("outbox").create(
        {
            "id": int,
            "mail_id": int,  # the mail answered; null for digests and alerts
            "kind": str,  # receipt | incomplete | late | digest | alert
            "call": str,
            "organisation": str,
            "applicant": str,  # the sender of the mail answered: the window "one of a kind" counts per applicant
            "mail_from": str,  # SMTP envelope sender; "" is the null sender <>
            "rcpt": str,  # JSON list of envelope recipients
            "message_id": str,
            "subject": str,
            "message": bytes,  # the whole message, rendered once: what is sent is what was decided
            "state": str,  # queued | sending | sent | failed | unknown
            "attempts": int,
            "next_attempt_at": str,
            "claimed_at": str,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
            "updated_at": str,
        },
        pk="id",
        foreign_keys=[("mail_id", "mails", "id")],
        not_null={"kind", "rcpt", "message_id", "message", "state", "created_at"},
        defaults={"attempts": 0},
    )
    db.table("outbox").create_index(["message_id"], unique=True)
    db.table("outbox").create_index(["mail_id", "kind"], unique=True)  # at most one reply of a kind per application
    db.table("outbox").create_index(["state", "next_attempt_at"])
    db.table("outbox").create_index(["call", "applicant", "kind", "created_at"])
    db.table("digests").create(
        {
            "id": int,
            "organisation": str,
            "created_at": str,  # the digest's own instant: its day, the "since" it shows
            "recorded_at": str,  # the clock mails.recorded_at uses: new = id > last_mail_id or recorded after this
            "since_mail_id": int,  # mails with since_mail_id < id <= last_mail_id were new in this digest
            "last_mail_id": int,
            "outbox_id": int,
            "empty": int,
        },
        pk="id",
        foreign_keys=[("outbox_id", "outbox", "id")],
    )
    db.table("digests").create_index(["organisation", "id"])


@MIGRATIONS()
def m004_imap_ledger(db: Database) -> None:
    # One row for every UID ever seen, whatever became of the mail: the poll's memory of what it has read.
    db.table("ledger").create(
        {
            "id": int, "mailbox": str, "folder": str, "uidvalidity": int, "uid": int, "sha256": str,
            "gm_msgid": int, "message_id": str, "size": int, "internaldate": str, "mail_id": int, "state": str,
            "filed_folder": str, "filed_verdict": str, "filed_call": str, "error": str, "attempts": int,
            "seen_at": str, "filed_at": str,
        },
        pk="id",
        not_null={"mailbox", "folder", "uidvalidity", "uid", "state"},
        defaults={"attempts": 0},
    )
    db.table("ledger").create_index(["mailbox", "folder", "uidvalidity", "uid"], unique=True)
    db.table("ledger").create_index(["state"])
    db.table("ledger").create_index(["gm_msgid"])
    db.table("ledger").create_index(["mail_id"])
    db.table("mailbox_health").create(
        {
            "mailbox": str, "folder": str, "uidvalidity": int, "last_poll_at": str, "last_ok_at": str,
            "last_error": str, "last_error_at": str, "failing_since": str, "polls": int, "failures": int,
            "mails_seen": int,
        },
        pk="mailbox",
        defaults={"polls": 0, "failures": 0, "mails_seen": 0},
    )


@MIGRATIONS()
def m005_attempts(db: Database) -> None:
    # Tries at triaging a mail (by content hash), counted and committed before each try and cleared when the
    # mail is recorded: a mail that crashes or kills the process every time is quarantined, not retried forever.
    db.table("attempts").create(
        {"sha256": str, "source": str, "count": int, "last_error": str, "at": str},
        pk="sha256",
        not_null={"count"},
        defaults={"count": 0},
    )


@MIGRATIONS()
def m006_documents_ocr(db: Database) -> None:
    # What OCR read of a scan (its note and text), kept with the document: a re-triage reuses it, and a file
    # is never read by OCR twice. ocr_text is null when OCR did not run to the end (not installed, cut).
    db.table("documents").add_column("ocr", str)
    db.table("documents").add_column("ocr_text", str)


@MIGRATIONS()
def m007_combined_files_forwards(db: Database) -> None:
    # Every kind a combined file holds, with its pages and evidence (JSON; empty: `kind` alone), and who
    # forwarded a mail when the applicant is the original sender of a forward.
    db.table("documents").add_column("kinds", str)
    db.table("mails").add_column("forwarded_by", str)


# What `status` and the digest count, kept up to date as rows change rather than counted from every row on
# each read: (noun, a, b) -> n for mails by (call, verdict), ledger rows by (mailbox, state), outbox rows by
# (state, ""). Triggers keep it, so every writer (recording, re-triage, overrides, purge) counts alike.
# A later migration that rebuilds one of these tables (sqlite-utils' transform) must create the triggers again.
_TALLIED = {  # table -> (a, b, the columns they read)
    "mails": ("coalesce({row}.call, '-')", "{row}.verdict", "call, verdict"),
    "ledger": ("{row}.mailbox", "{row}.state", "mailbox, state"),
    "outbox": ("{row}.state", "''", "state"),
}


def _tally_triggers(table: str) -> list[str]:
    return _triggers(table, table, *_TALLIED[table])


def _triggers(noun: str, table: str, a: str, b: str, columns: str) -> list[str]:
    """The triggers that keep the tally `noun` of `table`'s rows by (a, b) (expressions of `{row}`)."""
    new, old = a.format(row="new"), a.format(row="old")
    new_b, old_b = b.format(row="new"), b.format(row="old")
    add = (
        f"insert into tallies (noun, a, b, n) values ('{noun}', {new}, {new_b}, 1) "  # noqa: S608 (our names)
        "on conflict (noun, a, b) do update set n = n + 1;"
    )
    remove = f"update tallies set n = n - 1 where noun = '{noun}' and a = {old} and b = {old_b};"  # noqa: S608
    return [
        f"create trigger tally_{noun}_insert after insert on {table} begin {add} end",
        f"create trigger tally_{noun}_delete after delete on {table} begin {remove} end",
        f"create trigger tally_{noun}_update after update of {columns} on {table} begin {remove} {add} end",
    ]


@MIGRATIONS()
def m008_operator_indexes_and_tallies(db: Database) -> None:
    """Indexes for what the operator and the digest read, so none of it reads a whole big table (issue #16).

    docs/benchmarks.md shows each query's plan; tests/test_query_plans.py holds them.
    """
    db.table("mails").create_index(["call", "received_at", "id"])  # list --call, applications --call
    db.table("mails").create_index(["received_at", "id"])  # list, list --since
    db.table("mails").create_index(["verdict", "call", "received_at"])  # list --verdict, the digest's late ones
    db.table("mails").create_index(["recorded_at"])  # the digest's "new since": id or recorded_at
    db.table("events").create_index(["kind", "id"])  # the latest rules event, withheld replies
    db.table("overrides").create_index(["field", "mail_id"])  # the pinned verdicts
    db.table("outbox").create_index(["state", "sent_at"])  # the digest: replies sent since
    db.table("outbox").create_index(["state", "updated_at"])  # the digest: replies failed since
    db.table("extensions").create_index(["call", "applicant"])
    db.execute(
        "create table tallies (noun text not null, a text not null, b text not null, n integer not null, "
        "primary key (noun, a, b)) without rowid"
    )
    for table in _TALLIED:
        for trigger in _tally_triggers(table):
            db.execute(trigger)
    db.execute("insert into tallies select 'mails', coalesce(call, '-'), verdict, count(*) from mails group by 1, 2, 3")
    db.execute("insert into tallies select 'ledger', mailbox, state, count(*) from ledger group by 1, 2, 3")
    db.execute("insert into tallies select 'outbox', state, '', count(*) from outbox group by 1, 2, 3")


@MIGRATIONS()
def m009_readings(db: Database) -> None:
    # What was read from a file, any file (text per page, page count, OCR's note), by its content hash and the
    # extractor's version (storage.readings): a file is read once, by the first mail that brings it.
    db.execute(
        "create table readings (sha256 text not null, extractor text not null, texts text not null, pages integer, "
        "ocr text, at text not null, primary key (sha256, extractor)) without rowid"
    )


@MIGRATIONS()
def m010_action_failures(db: Database) -> None:
    """Every failed action shows (issue #11): filing and sending failures per mailbox, and filing backs off.

    `mailbox_failures` holds a mailbox's current failure of one action (filing, sending), from its first failure
    (`since`) until the action succeeds again; polls keep theirs in `mailbox_health`, now with its `cause`.
    A ledger row whose filing failed waits until `retry_at` before it is tried again.
    """
    db.execute(
        "create table mailbox_failures (mailbox text not null, action text not null, cause text not null, "
        "error text not null, folder text, since text not null, last_at text not null, "
        "failures integer not null default 1, primary key (mailbox, action)) without rowid"
    )
    db.table("mailbox_health").add_column("cause", str)
    db.table("ledger").add_column("retry_at", str)


@MIGRATIONS()
def m011_commands(db: Database) -> None:
    # A coordinator's command mails (her replies to the digest, storage.commands): one row per Message-ID, so a
    # command mail delivered twice is applied once; the partial index finds a digest by the subject a reply quotes.
    db.execute(
        "create table commands (id integer primary key, message_id text not null unique, mail_id integer, "
        "organisation text, author text not null, state text not null, outcomes text not null, at text not null)"
    )
    db.execute("create index outbox_digest_subject on outbox (subject) where kind = 'digest'")


@MIGRATIONS()
def m012_parsings(db: Database) -> None:
    # What reading a mail gave (its parsed fields, its files as read without their bytes, their kinds), under
    # the reader's version (storage.parsings): a re-triage judges again without parsing again. A row names its
    # mail, so a purge deletes it with the mail.
    db.execute(
        "create table parsings (mail_id integer primary key references mails(id), reader text not null, "
        "parsed text not null, attachments text not null, classified text not null)"
    )


@MIGRATIONS()
def m013_refiling(db: Database) -> None:
    """A mail follows its verdict on the server: when a person's override, a re-triage or a command by mail
    changes the verdict or the call of a mail already filed (or left where it was), the trigger flags its ledger
    rows and the next poll moves it again (daemon.filing); the partial index finds the few flagged rows."""
    db.table("ledger").add_column("refile", int)
    db.execute("create index ledger_refile on ledger (mailbox) where refile = 1")
    db.execute(
        "create trigger ledger_follows_the_verdict after update of verdict, call on mails "
        "when new.verdict is not old.verdict or new.call is not old.call begin "
        "update ledger set refile = 1, attempts = 0, retry_at = null, error = null "
        "where mail_id = new.id and state in ('filed', 'left'); end"
    )


@MIGRATIONS()
def m014_verdict_tally(db: Database) -> None:
    # Mails by verdict over every call (noun 'verdicts', b ''): `status` shows the calls in force one by one and
    # the others as one line per verdict, so its work grows with the rules, not with years of calls (issue #16).
    for trigger in _triggers("verdicts", "mails", "{row}.verdict", "''", "verdict"):
        db.execute(trigger)
    db.execute("insert into tallies select 'verdicts', verdict, '', count(*) from mails group by 1, 2, 3")
