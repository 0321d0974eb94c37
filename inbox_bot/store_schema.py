"""The database schema, as sqlite-utils migrations: each one runs once, in order, in its own transaction."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("inbox-bot")


@MIGRATIONS()
def m001_mails_documents_events(db: Database) -> None:
    db["mails"].create(
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
    db["mails"].create_index(["sha256"], unique=True)
    db["mails"].create_index(["call", "sender"])
    db["mails"].create_index(["message_id"])
    db["documents"].create(
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
    db["documents"].create_index(["mail_id"])
    db["documents"].create_index(["sha256"])
    db["events"].create(
        {"id": int, "mail_id": int, "at": str, "kind": str, "detail": str},
        pk="id",
        foreign_keys=[("mail_id", "mails", "id")],
    )
    db["events"].create_index(["mail_id"])
    db["extensions"].create(
        {"id": int, "call": str, "applicant": str, "until": str, "note": str, "at": str},
        pk="id",
    )
