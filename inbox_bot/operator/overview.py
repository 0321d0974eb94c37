"""What `status` adds to the database's view: the sources the config watches and the rules in force.

Read from the config and the rule files, never from the database, and never showing a secret: a mailbox's
password or token command appears only as the kind of login it uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.errors import ConfigError
from inbox_bot.operator.applications import rules_overview
from inbox_bot.operator.status import status_report
from inbox_bot.storage.store import Store


def full_status(store: Store, settings: Settings, now: datetime) -> dict[str, Any]:
    calls, rule_errors = rules_in_force(settings, now)
    in_force = [str(call["id"]) for call in calls] if calls else None  # no rules read: every call, one by one
    return {**status_report(store, in_force), "sources": sources(settings), "calls": calls, "rule_errors": rule_errors}


def sources(settings: Settings) -> list[dict[str, Any]]:
    """Each [[mailboxes]] entry and each [[sources]] folder, as the config names them."""
    boxes = [
        {
            "kind": "imap",
            "name": box.name,
            "where": box.host,
            "folder": box.folder,
            "file_into": box.file_into,
            "auth": auth_kind(box),
        }
        for box in settings.mailboxes
    ]
    folders = [
        {
            "kind": "folder",
            "name": source.name,
            "where": str(source.path),
            "folder": None,
            "file_into": None,
            "auth": None,
        }
        for source in settings.sources
    ]
    return boxes + folders


def auth_kind(box: MailboxSettings) -> str:
    if box.oauth2_token_command:
        return "oauth2"
    return "password_env" if box.password_env else "password_file"


def rules_in_force(settings: Settings, now: datetime) -> tuple[list[dict[str, Any]], list[str]]:
    """Each call's deadline (Morocco time), days left and late policy; a broken file is named, not fatal."""
    try:
        rows, errors = rules_overview(settings.rules_dir, now)
    except ConfigError as exc:
        return [], [exc.one_line()]
    calls = [
        {
            "id": row["id"],
            "organisation": row["organisation"],
            "deadline": row["local"],
            "days_left": row["days_left"] if row["open"] else None,
            "late_policy": row["late_policy"],
        }
        for row in rows
    ]
    return calls, [error.one_line() for error in errors]
