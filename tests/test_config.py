"""The operator's TOML file: typos, insecure settings and missing secrets are errors naming the key and the fix."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import pytest

from inbox_bot.config.secrets import check_secrets, read_credential
from inbox_bot.config.settings import MailboxSettings, load_settings
from inbox_bot.core.errors import ConfigError, MailboxError
from inbox_bot.sources import imap_failures

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
    assert "config.toml" in line and "mailboxes[omp]" in line and "only for a loopback host" in line
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
    with pytest.raises(ConfigError, match="OMP_PASSWORD is not set") as caught:
        read_credential(box)
    assert caught.value.field == "mailboxes[omp].password_env" and caught.value.exit_code == 2
    monkeypatch.setenv("OMP_PASSWORD", "s3cret-app-password")
    credential = read_credential(box)
    assert credential.secret.get_secret_value() == "s3cret-app-password" and not credential.oauth2
    assert "s3cret" not in repr(credential) and "s3cret" not in str(box)
    (tmp_path / "pw.txt").write_text("from-a-file\n", encoding="utf-8")
    box = load_settings(mailbox(tmp_path, secret='password_file = "pw.txt"')).mailboxes[0]
    assert read_credential(box).secret.get_secret_value() == "from-a-file"


def test_a_password_with_a_line_break_is_refused_before_it_reaches_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = load_settings(mailbox(tmp_path)).mailboxes[0]
    monkeypatch.setenv("OMP_PASSWORD", "pass\r\nA1 DELETE INBOX")
    with pytest.raises(ConfigError, match="OMP_PASSWORD holds a line break") as caught:
        read_credential(box)
    assert "DELETE" not in caught.value.one_line()


def test_a_token_command_that_fails_is_one_line(tmp_path: Path) -> None:
    box = load_settings(mailbox(tmp_path, secret='oauth2_token_command = "false"')).mailboxes[0]
    with pytest.raises(MailboxError, match="mailbox omp: oauth2_token_command"):
        read_credential(box)


def test_every_problem_is_listed_with_its_mailbox_field_and_fix(tmp_path: Path) -> None:
    text = MAILBOX.format(host="imap.gmail.com", security="ssl", secret='password_env = "A"\npoll_evry = "5m"')
    text += MAILBOX.format(host="mail.example.org", security="ssl", secret='password_env = "B"\nport = 0')
    text = text.replace('name = "omp"', 'name = "jobs"', 1) + '\n[limits]\nmax_mime_parts = 0\n'
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    error = caught.value
    fields = [p.field for p in error.problems]
    assert fields == ["mailboxes[jobs].poll_evry", "mailboxes[omp].port", "limits.max_mime_parts"]
    lines = error.one_line().splitlines()
    assert lines[0] == f"3 problems in {tmp_path / 'config.toml'}, each with its fix:"
    assert all("config.toml: " in line and "(fix: " in line for line in lines[1:]), lines
    assert "mailboxes.1" not in error.one_line() and "more problem" not in error.one_line()
    assert error.exit_code == 2


def test_a_list_entry_without_a_name_is_named_by_its_position(tmp_path: Path) -> None:
    text = '[[mailboxes]]\nhost = "imap.example.org"\nusername = "jobs@ngo.example"\npassword_env = "A"\n'
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    assert caught.value.field == "mailboxes[jobs@ngo.example].name"
    assert "add `mailboxes[jobs@ngo.example].name`" in caught.value.one_line()


def test_a_private_ca_is_a_key_the_config_accepts_relative_to_the_config_file(tmp_path: Path) -> None:
    box = load_settings(mailbox(tmp_path, secret='password_env = "A"\nca_file = "ca.pem"')).mailboxes[0]
    assert box.ca_file == tmp_path / "ca.pem"


def test_the_tls_fix_names_only_keys_a_mailbox_accepts() -> None:
    untrusted = ssl.SSLCertVerificationError(1, "certificate verify failed")
    untrusted.verify_message = "unable to get local issuer certificate"
    failure = imap_failures.classify(untrusted, 5.0)
    assert failure.fix is not None and "ca_file" in failure.fix
    named = set(re.findall(r"`(\w+)`", failure.fix))
    assert named and named <= set(MailboxSettings.model_fields), named - set(MailboxSettings.model_fields)


def test_the_documented_mailbox_with_a_private_ca_loads(tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[1] / "config.example.toml").read_text(encoding="utf-8")
    block = example[example.index("# [[mailboxes]]") :].split("\n\n")[0]
    lines = [line.removeprefix("# ") for line in block.splitlines()]
    text = "\n".join(line.removeprefix("# ") if line.startswith("# ca_file") else line for line in lines)
    box = load_settings(write(tmp_path, text)).mailboxes[0]
    assert box.ca_file == Path("/etc/inbox-bot/ngo-ca.pem") and box.name == "omp"


def test_check_secrets_lists_every_missing_password_of_mailboxes_and_smtp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = MAILBOX.format(host="imap.gmail.com", security="ssl", secret='password_env = "OMP_PASSWORD"')
    text += '[smtp]\nhost = "smtp.example.ma"\nusername = "u"\npassword_file = "smtp.pass"\nfrom = "a@b.ma"\n'
    config = write(tmp_path, text)
    monkeypatch.delenv("OMP_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as caught:
        check_secrets(load_settings(config))
    assert [(p.file, p.field) for p in caught.value.problems] == [
        (str(config), "mailboxes[omp].password_env"),
        (str(config), "smtp.password_file"),
    ]
    monkeypatch.setenv("OMP_PASSWORD", "set")
    (tmp_path / "smtp.pass").write_text("also set\n", encoding="utf-8")
    check_secrets(load_settings(config))
