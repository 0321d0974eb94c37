"""The operator's TOML file: typos, insecure settings and missing secrets are errors naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_bot.config.settings import load_settings
from inbox_bot.core.errors import ConfigError, MailboxError
from inbox_bot.daemon.poller import read_secret

MAILBOX = """
[[mailboxes]]
name = "omp"
host = "{host}"
security = "{security}"
username = "omdp.direction.2@gmail.com"
{secret}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def mailbox(
    tmp_path: Path,
    *,
    host: str = "imap.gmail.com",
    security: str = "ssl",
    secret: str = 'password_env = "OMP_PASSWORD"',
) -> Path:
    return write(tmp_path, MAILBOX.format(host=host, security=security, secret=secret))


def test_a_good_mailbox_loads_with_defaults(tmp_path: Path) -> None:
    box = load_settings(mailbox(tmp_path)).mailboxes[0]
    assert (box.folder, box.poll_every.total_seconds(), box.file_into) == ("INBOX", 300, "inbox-bot/{call}/{verdict}")
    assert box.leave_verdicts == ["unmatched", "ignored"]


def test_clear_text_imap_is_refused_off_loopback(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(mailbox(tmp_path, security="none"))
    line = caught.value.one_line()
    assert "config.toml" in line and "mailboxes.0" in line and "only for a loopback host" in line
    load_settings(mailbox(tmp_path, host="127.0.0.1", security="none"))


def test_exactly_one_secret_source(tmp_path: Path) -> None:
    both = 'password_env = "A"\npassword_file = "pw.txt"'
    with pytest.raises(ConfigError, match="exactly one of password_env"):
        load_settings(mailbox(tmp_path, secret=both))
    with pytest.raises(ConfigError, match="exactly one of password_env"):
        load_settings(mailbox(tmp_path, secret=""))


def test_a_misspelt_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(mailbox(tmp_path, secret='password_env = "A"\npoll_evry = "5m"'))
    assert "poll_evry" in caught.value.one_line() and "unknown key" in caught.value.one_line()


def test_a_bad_filing_template_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file_into"):
        load_settings(mailbox(tmp_path, secret='password_env = "A"\nfile_into = "x/{sender}"'))


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_BOT_DATABASE", str(tmp_path / "elsewhere.sqlite"))
    assert load_settings(write(tmp_path, 'database = "var/db.sqlite"\n')).database == tmp_path / "elsewhere.sqlite"


def test_secrets_come_from_the_environment_or_a_file_and_never_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = load_settings(mailbox(tmp_path)).mailboxes[0]
    monkeypatch.delenv("OMP_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="OMP_PASSWORD is not set"):
        read_secret(box)
    monkeypatch.setenv("OMP_PASSWORD", "s3cret-app-password")
    password, token = read_secret(box)
    assert password is not None and password.get_secret_value() == "s3cret-app-password" and token is None
    assert "s3cret" not in repr(password) and "s3cret" not in str(box)
    (tmp_path / "pw.txt").write_text("from-a-file\n", encoding="utf-8")
    box = load_settings(mailbox(tmp_path, secret='password_file = "pw.txt"')).mailboxes[0]
    password, _ = read_secret(box)
    assert password is not None and password.get_secret_value() == "from-a-file"


def test_a_token_command_that_fails_is_one_line(tmp_path: Path) -> None:
    box = load_settings(mailbox(tmp_path, secret='oauth2_token_command = "false"')).mailboxes[0]
    with pytest.raises(MailboxError, match="mailbox omp: oauth2_token_command"):
        read_secret(box)
