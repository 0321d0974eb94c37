"""Shared fixtures, defined once. Dovecot: one real server for the whole session, a fresh user per test.
aiosmtpd: a fresh SMTP server per test. The in-memory IMAP twin: a fresh server per test (the fast tier)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_bot.sources.memory import MemoryServer
from inbox_bot.storage.store import Store
from tests.dovecot import DovecotError, DovecotServer, MailUser, find_dovecot
from tests.imapservers import any_server, any_user, imap_servers  # noqa: F401 - fixtures: each real IMAP server
from tests.smtpd import smtp_server_fixture  # noqa: F401 - the fixture `smtp_server`, for every test file


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        # Fail, never skip: a skipped IMAP suite looks green while testing nothing. CI installs it.
        pytest.fail("dovecot is not installed: `apt-get install dovecot-imapd` (the IMAP tests need it)",
                    pytrace=False)
    try:
        server = DovecotServer(binary)
    except DovecotError as exc:
        pytest.fail(f"cannot prepare dovecot: {exc}", pytrace=False)
    try:
        server.start()
    except DovecotError as exc:
        server.close()
        pytest.fail(f"dovecot did not start: {exc}", pytrace=False)
    yield server
    server.close()


@pytest.fixture
def mail_user(dovecot: DovecotServer) -> MailUser:
    """A user of its own, with an empty INBOX: tests never see each other's mails."""
    return dovecot.new_user()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """An empty store in the test's own directory, closed at the end."""
    opened = Store(tmp_path / "db.sqlite", tmp_path / "storage")
    yield opened
    opened.close()


@pytest.fixture
def memory_server() -> MemoryServer:
    """The in-memory IMAP twin, Dovecot-like (MOVE, UIDPLUS, UNSELECT), with an empty INBOX."""
    return MemoryServer()
