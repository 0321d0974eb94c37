"""The secrets of mailboxes and of the SMTP server, read from where the config says: an environment variable, a
file, or (mailboxes) a command printing an OAuth2 access token. They are read when a connection opens, held only as
SecretStr, and never appear in an error message."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from inbox_bot.config.settings import MailboxSettings, Settings, SmtpSettings
from inbox_bot.core.errors import ConfigError, ConfigProblem, MailboxError

TOKEN_COMMAND_TIMEOUT = 60  # seconds
# RFC 6750 b64token: printable ASCII, no space. A stray line or a control character (\x01 separates the
# fields of the XOAUTH2 string) is refused here, in one line, rather than sent or failing validation later.
_ACCESS_TOKEN = re.compile(r"[!-~]+")
_LINE_BREAKS = ("\r", "\n", "\0")


@dataclass(frozen=True)
class Credential:
    """What logs in to a mailbox: a password, or an OAuth2 access token (XOAUTH2)."""

    secret: SecretStr
    oauth2: bool = False


def read_credential(box: MailboxSettings) -> Credential:
    """The mailbox's password or token, read now (a token expires: it is asked for at each connection)."""
    if box.oauth2_token_command:
        return Credential(SecretStr(_token_from_command(box)), oauth2=True)
    where = f"mailboxes[{box.name}]"
    password = _password(box.password_env, box.password_file, f"mailbox {box.name}", where)
    if any(char in password for char in _LINE_BREAKS):
        # imaplib puts the password in the LOGIN line as is: a line break would split the command.
        what = f"the environment variable {box.password_env}" if box.password_env else "the password file"
        field = "password_env" if box.password_env else "password_file"
        raise ConfigError(
            f"mailbox {box.name}: {what} holds a line break or NUL", field=f"{where}.{field}", fix="keep it on one line"
        )
    return Credential(SecretStr(password))


def read_password(smtp: SmtpSettings) -> SecretStr | None:
    """The SMTP password, or None for a server that takes mail without a login."""
    if not (smtp.password_env or smtp.password_file):
        return None
    return SecretStr(_password(smtp.password_env, smtp.password_file, "smtp", "smtp"))


def check_secrets(settings: Settings) -> None:
    """Every password variable set and password file readable, before a run starts: a missing one is a mistake
    in the service's set-up (fix the config, exit 2), not a server failing (try later, exit 3)."""
    problems: list[ConfigProblem] = []
    for box in settings.mailboxes:
        if box.oauth2_token_command:
            continue  # run at each connection: a command failing is the token service's failure, not the config's
        try:
            read_credential(box)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if settings.smtp is not None:
        try:
            read_password(settings.smtp)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError.of(problems).in_file(settings.file)


def _password(variable: str | None, file: Path | None, who: str, where: str) -> str:
    if variable:
        password = os.environ.get(variable)
        if not password:
            raise ConfigError(
                f"{who}: the environment variable {variable} is not set",
                field=f"{where}.password_env",
                fix=f"export {variable}=... in the service's environment (e.g. /etc/inbox-bot/secrets.env)",
            )
    else:
        assert file is not None  # the settings validators guarantee a secret source
        try:
            password = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(
                f"{who}: cannot read the password file {file}: {reason}",
                field=f"{where}.password_file",
                fix="create the file (mode 600, readable by the service's user) with the password on one line",
            ) from exc
    return password


def _token_from_command(box: MailboxSettings) -> str:
    assert box.oauth2_token_command is not None
    try:
        done = subprocess.run(
            shlex.split(box.oauth2_token_command), capture_output=True, timeout=TOKEN_COMMAND_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MailboxError(
            f"mailbox {box.name}: oauth2_token_command failed: {type(exc).__name__}",
            fix="run the command by hand and check it prints an access token",
        ) from exc
    token = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0 or not token:
        raise MailboxError(
            f"mailbox {box.name}: oauth2_token_command exited {done.returncode} without a token",
            fix="run the command by hand; the refresh token may have expired",
        )
    if not _ACCESS_TOKEN.fullmatch(token):
        lines = len(token.splitlines())
        what = f"{lines} lines" if lines > 1 else "a space or control character"
        raise MailboxError(
            f"mailbox {box.name}: oauth2_token_command printed {what}, not one access token",
            fix="make the command print only the access token, on one line (messages go to stderr)",
        )
    return token
