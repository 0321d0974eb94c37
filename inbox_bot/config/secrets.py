"""A mailbox's secret, read from where the config says: an environment variable, a file, or a command printing
an OAuth2 access token. The secret is held only as a SecretStr and never appears in an error message."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass

from pydantic import SecretStr

from inbox_bot.config.settings import MailboxSettings, Settings
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
    return Credential(SecretStr(_password(box)))


def check_secrets(settings: Settings) -> None:
    """Every mailbox's password variable set and password file readable, before a run starts: a missing one is
    a mistake in the service's set-up (fix the config, exit 2), not a server failing (try later, exit 3)."""
    problems: list[ConfigProblem] = []
    for box in settings.mailboxes:
        if box.oauth2_token_command:
            continue  # run at each connection: a command failing is the token service's failure, not the config's
        try:
            _password(box)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError.of(problems).in_file(settings.file)


def _password(box: MailboxSettings) -> str:
    where = f"mailboxes[{box.name}]"
    if box.password_env:
        password = os.environ.get(box.password_env)
        if not password:
            raise ConfigError(
                f"mailbox {box.name}: the environment variable {box.password_env} is not set",
                field=f"{where}.password_env",
                fix=f"export {box.password_env}=... in the service's environment (e.g. /etc/inbox-bot/secrets.env)",
            )
        what, field = f"the environment variable {box.password_env}", "password_env"
    else:
        assert box.password_file is not None  # the settings validator guarantees one secret source
        try:
            password = box.password_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise ConfigError(
                f"mailbox {box.name}: cannot read the password file {box.password_file}: {reason}",
                field=f"{where}.password_file",
                fix="check the path and its permissions (readable by the service's user)",
            ) from exc
        what, field = f"the password file {box.password_file}", "password_file"
    if any(char in password for char in _LINE_BREAKS):
        # imaplib puts the password in the LOGIN line as is: a line break would split the command.
        raise ConfigError(
            f"mailbox {box.name}: {what} holds a line break or NUL",
            field=f"{where}.{field}",
            fix="keep the password on one line",
        )
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
