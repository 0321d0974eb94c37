"""`inbox-bot check` on every real server of the suite (Dovecot "/" and ".", Cyrus, Courier): what it says
matches what each server is (the table in tests/imapservers.py), and it changes nothing; on Cyrus, create
rights come from ACL MYRIGHTS, both ways."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from tests.imapservers import CyrusServer, ImapTestServer, MailUser, ServerPool
from tests.pollkit import application
from tests.test_daemon import write_config

pytestmark = pytest.mark.imap
INCOMPLETE = "inbox-bot/omp-charge-projet-2026/incomplete"


def check(tmp_path: Path, server: ImapTestServer, user: MailUser, extra: str = "") -> tuple[int, dict[str, Any]]:
    tmp_path.mkdir(exist_ok=True)
    config = write_config(tmp_path, server, {"ngo": user}, extra=extra)  # type: ignore[arg-type]
    result = CliRunner().invoke(main, ["--config", str(config), "check", "--json"], catch_exceptions=False)
    return result.exit_code, json.loads(result.output)


def test_check_says_what_each_server_is_and_changes_nothing(
    tmp_path: Path, any_server: ImapTestServer, any_user: MailUser
) -> None:
    any_server.append_many(any_user, "INBOX", [application(1), application(2)])
    folders = any_server.folders(any_user)
    status, report = check(tmp_path, any_server, any_user)
    assert status == 0, report
    [box] = report["mailboxes"]
    assert box["login"] == "ok" and box["error"] == ""
    assert (box["delimiter"], box["prefix"]) == (any_server.delimiter, any_server.prefix)
    assert {"folder": INCOMPLETE, "name": any_server.native(INCOMPLETE), "exists": False} in box["folders"]
    assert box["waiting"] == 2
    assert box["push"] == "idle", box  # every server of the suite offers IDLE, as hosting companies ship them
    expected = ("yes", "no") if "ACL" in box["capabilities"] else ("unknown",)
    assert box["can_create"].startswith(expected), box["can_create"]
    assert report["smtp"].startswith("not configured")
    assert any_server.folders(any_user) == folders, "nothing created"
    assert len(any_server.uids(any_user, "INBOX")) == 2 and not (tmp_path / "var").exists()


def test_check_reads_create_rights_from_myrights(tmp_path: Path, imap_servers: ServerPool) -> None:
    cyrus = imap_servers.get("cyrus")
    assert isinstance(cyrus, CyrusServer)
    allowed, refused = cyrus.new_user(), cyrus.new_user()
    cyrus.set_rights(refused, f"user/{refused.name}", "lrswited")  # everything but k (create) and a (admin)
    _, report = check(tmp_path / "a", cyrus, allowed)
    assert report["mailboxes"][0]["can_create"].startswith("yes (MYRIGHTS on INBOX: ")
    _, report = check(tmp_path / "r", cyrus, refused)
    assert report["mailboxes"][0]["can_create"] == "no (MYRIGHTS on INBOX: lrswited)"


def test_check_says_a_mailbox_with_idle_off_is_only_polled(
    tmp_path: Path, dovecot: ImapTestServer, mail_user: MailUser
) -> None:
    _, report = check(tmp_path, dovecot, mail_user, extra="idle = false")
    [box] = report["mailboxes"]
    assert (box["push"], box["push_detail"]) == ("off", "polled every 0:00:01 only (idle = false)")
    plain = CliRunner().invoke(main, ["--config", str(tmp_path / "inbox-bot.toml"), "check"], catch_exceptions=False)
    assert "new mail: polled every 0:00:01 only (idle = false)" in plain.output
