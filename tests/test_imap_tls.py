"""TLS to a self-hosted server with a private CA: `ca_file` in [[mailboxes]] is what the connection trusts.

A real Dovecot serves TLS (implicit on its imaps port, STARTTLS on its imap port) with a certificate signed by a
CA made for the test (tests/certs.py); the settings go through the config file, as an operator writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox_bot.config.secrets import read_credential
from inbox_bot.config.settings import MailboxSettings, load_settings
from inbox_bot.core.errors import ConfigError, MailboxError
from inbox_bot.sources.imap import ImapMailbox
from tests.certs import Authority, make_authority
from tests.dovecot import HOST, DovecotError, DovecotServer, MailUser, find_dovecot

pytestmark = pytest.mark.imap


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_dovecot(authority: Authority) -> Iterator[DovecotServer]:
    binary = find_dovecot()
    if binary is None:
        pytest.fail("dovecot is not installed: `apt-get install dovecot-imapd` (the IMAP tests need it)", pytrace=False)
    server = DovecotServer(binary, tls=authority)
    try:
        server.start()
    except DovecotError as exc:
        server.close()
        pytest.fail(f"dovecot with TLS did not start: {exc}", pytrace=False)
    yield server
    server.close()


def configured(
    tmp_path: Path, server: DovecotServer, user: MailUser, *, security: str, port: int, ca_file: Path | None
) -> MailboxSettings:
    ca_line = f'ca_file = "{ca_file.name}"\n' if ca_file else ""
    if ca_file:  # beside the config, named relatively, as an operator would keep it
        (tmp_path / ca_file.name).write_bytes(ca_file.read_bytes())
    config = tmp_path / "config.toml"
    config.write_text(
        f'[[mailboxes]]\nname = "self-hosted"\nhost = "{HOST}"\nport = {port}\nsecurity = "{security}"\n'
        f'username = "{user.name}"\npassword_env = "SELF_HOSTED_PASSWORD"\n{ca_line}'
        'connect_timeout = "5s"\nread_timeout = "5s"\n',
        encoding="utf-8",
    )
    return load_settings(config).mailboxes[0]


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_a_private_ca_given_as_ca_file_is_trusted(
    tmp_path: Path, tls_dovecot: DovecotServer, authority: Authority, security: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tls_dovecot.new_user()
    monkeypatch.setenv("SELF_HOSTED_PASSWORD", user.password)
    port = tls_dovecot.tls_port if security == "ssl" else tls_dovecot.port
    box = configured(tmp_path, tls_dovecot, user, security=security, port=port, ca_file=authority.ca_file)
    assert box.ca_file == tmp_path / "ca.pem"
    with ImapMailbox(box, read_credential(box)) as mailbox:
        assert mailbox.select().folder == "INBOX"


def test_without_ca_file_the_certificate_is_refused_and_the_fix_names_ca_file(
    tmp_path: Path, tls_dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tls_dovecot.new_user()
    monkeypatch.setenv("SELF_HOSTED_PASSWORD", user.password)
    box = configured(tmp_path, tls_dovecot, user, security="ssl", port=tls_dovecot.tls_port, ca_file=None)
    with pytest.raises(MailboxError, match="TLS certificate not trusted") as caught:
        ImapMailbox(box, read_credential(box)).connect()
    assert caught.value.fix is not None and "`ca_file`" in caught.value.fix
    assert "ca_file" in MailboxSettings.model_fields, "the fix must name a key the config accepts"


def test_a_ca_file_that_is_not_a_certificate_is_a_config_error_naming_the_mailbox(
    tmp_path: Path, tls_dovecot: DovecotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tls_dovecot.new_user()
    monkeypatch.setenv("SELF_HOSTED_PASSWORD", user.password)
    not_pem = tmp_path / "ca.txt"
    not_pem.write_text("not a certificate\n", encoding="utf-8")
    box = configured(tmp_path, tls_dovecot, user, security="ssl", port=tls_dovecot.tls_port, ca_file=not_pem)
    with pytest.raises(ConfigError) as caught:
        ImapMailbox(box, read_credential(box)).connect()
    assert caught.value.field == "mailboxes[self-hosted].ca_file" and caught.value.exit_code == 2
