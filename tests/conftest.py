"""Shared fixtures. Dovecot: one real server for the whole session, a fresh user per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dovecot import DovecotError, DovecotServer, MailUser, find_dovecot


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
