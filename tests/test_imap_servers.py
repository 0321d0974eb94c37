"""What differs between IMAP servers: folder names (delimiter, NAMESPACE prefix, odd characters), servers
without MOVE or UIDPLUS, accounts that may not create folders, and servers that answer nonsense.

Real servers (tests/imapservers.py) wherever a real server can be made to behave so; a scripted server on
127.0.0.1 only for answers no real server gives.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from inbox_bot.cli.main import main
from inbox_bot.core.errors import MailboxError
from inbox_bot.sources.imap_values import Capabilities, FolderLayout, check_delimiter, check_prefix, safe_level
from tests.dovecot import DovecotServer, find_dovecot
from tests.imapservers import HOST, CyrusServer, ImapTestServer, MailUser, ServerPool
from tests.test_daemon import application, daemon_for, db_rows, write_config
from tests.test_imap_source import imap_mailbox, mail

imap = pytest.mark.imap

# Every character a person (or an organisation's name) might put in a folder level, the delimiters included.
ODD_LEVEL = 'Candid. "été" 2026 & co\\ *% [x]{y} ~#!?;:,=+^$|<>\'@` fin\t.'


# ---------------------------------------------------------------- naming, each server


@imap
def test_each_server_s_delimiter_and_prefix_are_detected(any_server: ImapTestServer, any_user: MailUser) -> None:
    with imap_mailbox(any_server, any_user) as mailbox:
        layout = mailbox.folder_layout()
        assert (layout.delimiter, layout.prefix) == (any_server.delimiter, any_server.prefix)
        assert mailbox.folder_name("inbox-bot/appel/complete") == any_server.native("inbox-bot/appel/complete")
        assert mailbox.folder_name("INBOX") == "INBOX"


@imap
def test_a_level_with_every_odd_character_is_filed_once(any_server: ImapTestServer, any_user: MailUser) -> None:
    uids = any_server.append_many(any_user, "INBOX", [mail(1), mail(2)])
    with imap_mailbox(any_server, any_user) as mailbox:
        target = mailbox.ensure_folder(f"inbox-bot/{ODD_LEVEL}/complete")
        mailbox.select()
        mailbox.move_many(uids, target)
        again = mailbox.ensure_folder(f"inbox-bot/{ODD_LEVEL}/complete")
    level = safe_level(ODD_LEVEL, any_server.delimiter)
    assert level == "Candid- -été- 2026 & co- -- -x--y- ------,=+-----'@- fin--"
    assert target == again == any_server.native(f"inbox-bot/{level}/complete")
    assert target in any_server.folders(any_user)
    assert len(any_server.uids(any_user, target)) == 2, "each mail filed exactly once"
    assert any_server.uids(any_user, "INBOX") == []


def test_folder_layout_joins_levels_under_the_prefix() -> None:
    courier = FolderLayout(".", "INBOX.")
    assert courier.levels("inbox-bot/a.b/complete") == [
        "INBOX.inbox-bot",
        "INBOX.inbox-bot.a-b",
        "INBOX.inbox-bot.a-b.complete",
    ]
    assert courier.name("INBOX/inbox-bot") == "INBOX.inbox-bot"  # written for this server: not prefixed twice
    assert FolderLayout("", "").name("a/b") == "a-b"  # a flat server: one level
    assert FolderLayout("-", "").name("a-b/c") == "a_b-c"
    with pytest.raises(ValueError, match="empty level"):
        courier.name("inbox-bot//complete")


@pytest.mark.parametrize(
    ("announced", "allow_move", "method"),
    [
        ({"MOVE", "UIDPLUS"}, True, "move"),
        ({"move", "uidplus"}, False, "copy-expunge"),  # capabilities are case-insensitive
        ({"UIDPLUS"}, True, "copy-expunge"),  # Courier
        ({"MOVE"}, False, "copy-flag"),
        (set(), True, "copy-flag"),  # never a plain EXPUNGE
    ],
)
def test_the_filing_method_follows_the_capabilities(announced: set[str], allow_move: bool, method: str) -> None:
    assert Capabilities.of(announced).filing(allow_move=allow_move) == method


def test_detected_delimiters_and_prefixes_are_checked() -> None:
    assert check_prefix("INBOX", ".") == "INBOX." and check_prefix("", ".") == ""
    for bad in ("", "..", "*", "%", " ", "\x00"):
        with pytest.raises(ValueError):
            check_delimiter(bad)
    for bad_prefix in ("INBOX\r\n.", "a*", "x" * 101):
        with pytest.raises(ValueError):
            check_prefix(bad_prefix, ".")


# ---------------------------------------------------------------- overrides


@imap
def test_configured_prefix_and_delimiter_override_what_the_server_says(
    imap_servers: ServerPool,
) -> None:
    courier = imap_servers.get("courier")
    user = courier.new_user()
    with imap_mailbox(courier, user, folder_prefix="INBOX") as mailbox:
        assert mailbox.folder_layout() == FolderLayout(".", "INBOX.")  # "INBOX" means the INBOX. namespace
        assert mailbox.stats.commands["NAMESPACE"] == 0
    # Wrong overrides: the server's refusal comes back in one line, with the keys to look at.
    with imap_mailbox(courier, user, folder_prefix="") as mailbox:
        with pytest.raises(MailboxError, match=r"create folder 'inbox-bot'.*folder_prefix") as caught:
            mailbox.ensure_folder("inbox-bot/x")
        assert "ngo-jobs" in str(caught.value)
        assert mailbox.connected
    assert "inbox-bot" not in str(courier.folders(user))


# ---------------------------------------------------------------- without MOVE and UIDPLUS


@pytest.fixture(scope="module")
def bare_dovecot() -> Iterator[DovecotServer]:
    """A Dovecot that announces neither MOVE nor UIDPLUS (imap_capability), "/" layout."""
    binary = find_dovecot()
    if binary is None:
        pytest.fail("dovecot is not installed: run scripts/setup --dev", pytrace=False)
    capability = ["IMAP4rev1", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "CHILDREN", "UNSELECT"]
    server = DovecotServer(binary, capability=capability)
    try:
        server.start()
        yield server
    finally:
        server.close()


@imap
def test_without_move_or_uidplus_mails_are_copied_and_nothing_is_expunged(bare_dovecot: DovecotServer) -> None:
    user = bare_dovecot.new_user()
    mine = bare_dovecot.append(user, "INBOX", mail(1))
    theirs = bare_dovecot.append(user, "INBOX", mail(2), flags=[b"\\Deleted"])  # someone else's, not expunged
    with imap_mailbox(bare_dovecot, user) as mailbox:
        assert not mailbox.has_move and not mailbox.has_uidplus
        assert mailbox.capabilities.filing() == "copy-flag"
        target = mailbox.ensure_folder("Complet")
        mailbox.select()
        mailbox.move(mine, target)
        assert mailbox.stats.commands["EXPUNGE"] == mailbox.stats.commands["MOVE"] == 0
    assert bare_dovecot.uids(user, "INBOX") == [mine, theirs], "nothing expunged, theirs least of all"
    assert b"\\Deleted" in bare_dovecot.flags(user, "INBOX", mine)
    assert len(bare_dovecot.uids(user, "Complet")) == 1


@imap
def test_daemon_on_a_server_without_move_or_uidplus_files_each_mail_once(
    tmp_path: Path, bare_dovecot: DovecotServer
) -> None:
    user = bare_dovecot.new_user()
    bare_dovecot.append_many(user, "INBOX", [application(n) for n in range(3)])
    daemon = daemon_for(write_config(tmp_path, bare_dovecot, {"ngo": user}))
    try:
        first = daemon.poll_mailbox("ngo")
        again = daemon.poll_mailbox("ngo")
    finally:
        daemon.close()
    assert first is not None and (first.recorded, first.filed) == (3, 3)
    assert again is not None and (again.new, again.filed) == (0, 0), "copied once, never again"
    assert len(bare_dovecot.uids(user, "inbox-bot/omp-charge-projet-2026/incomplete")) == 3
    assert len(bare_dovecot.uids(user, "INBOX")) == 3  # the originals wait, flagged \Deleted, for a mail client
    assert db_rows(tmp_path, "select count(*) from ledger where state = 'filed'") == [(3,)]


# ---------------------------------------------------------------- no right to create folders


@imap
def test_an_account_that_may_not_create_folders_keeps_its_mail_and_says_why(
    tmp_path: Path, imap_servers: ServerPool, caplog: pytest.LogCaptureFixture
) -> None:
    cyrus = imap_servers.get("cyrus")
    assert isinstance(cyrus, CyrusServer)
    user = cyrus.new_user()
    cyrus.set_rights(user, f"user/{user.name}", "lrswited")  # everything but k (create) and a (admin)
    cyrus.append_many(user, "INBOX", [application(1), application(2)])
    daemon = daemon_for(write_config(tmp_path, cyrus, {"ngo": user}))
    try:
        report = daemon.poll_mailbox("ngo")
        poller = daemon.pollers["ngo"]
        assert poller.imap is not None
        creates = poller.imap.stats.commands["CREATE"]
        cyrus.append(user, "INBOX", application(3))
        later = daemon.poll_mailbox("ngo")
        assert poller.imap.stats.commands["CREATE"] == creates, "a refusal is not asked again in the session"
    finally:
        daemon.close()
    assert report is not None and (report.recorded, report.filed) == (2, 0)
    assert report.errors and "may not create folders" in report.errors[0]
    assert later is not None and later.recorded == 1 and later.filed == 0
    assert len(cyrus.uids(user, "INBOX")) == 3, "every mail stays where it is"
    errors = db_rows(tmp_path, "select state, error from ledger order by uid")
    assert len(errors) == 3 and all(state == "recorded" and "create" in str(error) for state, error in errors)
    assert "filing into inbox-bot/" in caplog.text


@imap
def test_run_once_exits_3_and_says_why_when_mails_could_not_be_filed(tmp_path: Path, imap_servers: ServerPool) -> None:
    cyrus = imap_servers.get("cyrus")
    assert isinstance(cyrus, CyrusServer)
    user = cyrus.new_user()
    cyrus.set_rights(user, f"user/{user.name}", "lrswited")
    cyrus.append(user, "INBOX", application(1))
    config = write_config(tmp_path, cyrus, {"ngo": user})
    result = CliRunner().invoke(main, ["--config", str(config), "run", "--once"])
    assert result.exit_code == 3, result.output
    assert "mailbox ngo: 1 new, 1 recorded, 0 filed" in result.output
    assert "may not create folders" in result.output  # stderr: CliRunner mixes it in
    assert len(cyrus.uids(user, "INBOX")) == 1


# ---------------------------------------------------------------- nonsense answers


class ScriptedServer:
    """A loopback IMAP server that logs anyone in and answers NAMESPACE and LIST "" "" as told."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.listener = socket.create_server((HOST, 0))
        self.port: int = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _address = self.listener.accept()
        with connection, connection.makefile("rb") as lines:
            connection.sendall(b"* OK scripted server ready\r\n")
            for line in lines:
                tag, _, rest = line.decode("ascii", "replace").strip().partition(" ")
                command = rest.split(" ", 1)[0].upper()
                if command == "LOGOUT":
                    connection.sendall(b"* BYE\r\n" + tag.encode() + b" OK bye\r\n")
                    return
                connection.sendall(self._answer(command) + tag.encode() + b" OK done\r\n")

    def _answer(self, command: str) -> bytes:
        if command == "CAPABILITY":
            return b"* CAPABILITY IMAP4rev1 NAMESPACE AUTH=PLAIN\r\n"
        return self.answers.get(command, b"")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


@pytest.fixture
def scripted() -> Iterator[Callable[[dict[str, bytes]], int]]:
    servers: list[ScriptedServer] = []

    def start(answers: dict[str, bytes]) -> int:
        servers.append(ScriptedServer(answers))
        return servers[-1].port

    yield start
    for server in servers:
        server.close()


def test_a_nonsense_namespace_is_logged_and_folders_go_to_the_top_level(
    scripted: Callable[[dict[str, bytes]], int], caplog: pytest.LogCaptureFixture
) -> None:
    port = scripted({"NAMESPACE": b"* NAMESPACE (((\r\n", "LIST": b'* LIST (\\Noselect) "." ""\r\n'})
    with imap_mailbox(None, None, port=port) as mailbox:
        assert mailbox.folder_layout() == FolderLayout(".", "")
        assert mailbox.connected
    assert "NAMESPACE answer unusable" in caplog.text and "set folder_prefix" in caplog.text


@pytest.mark.parametrize(
    "answer",
    [
        b'* LIST (\\Noselect) "ab" ""\r\n',
        b'* LIST (\\Noselect) "*" ""\r\n',
        b"* LIST (((\r\n",
        b'* LIST () "\x01" ""\r\n',
    ],
)
def test_a_nonsense_delimiter_is_refused_in_one_clear_line(
    scripted: Callable[[dict[str, bytes]], int], answer: bytes
) -> None:
    port = scripted({"NAMESPACE": b'* NAMESPACE (("" ".")) NIL NIL\r\n', "LIST": answer})
    with imap_mailbox(None, None, port=port) as mailbox:
        with pytest.raises(MailboxError, match=r"ngo-jobs.*(LIST|list folders)") as caught:
            mailbox.ensure_folder("inbox-bot/x")
        assert "\n" not in caught.value.one_line()


def test_the_folder_keys_are_checked_when_the_config_loads() -> None:
    from pydantic import ValidationError

    from inbox_bot.config.settings import MailboxSettings

    base = {"name": "a", "host": "127.0.0.1", "username": "u", "password_env": "X", "security": "none"}
    assert MailboxSettings.model_validate({**base, "folder_delimiter": "."}).folder_delimiter == "."
    for key, value in (("folder_delimiter", "*"), ("folder_delimiter", ".."), ("folder_prefix", "a\nb")):
        with pytest.raises(ValidationError, match=key):
            MailboxSettings.model_validate({**base, key: value})
