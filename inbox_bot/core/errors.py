"""One family of errors; the exit code tells the operator what kind of fix is needed.

InboxBotError
├── ConfigError       exit 2: fix the config or a rule file (names the file, the field, the fix)
├── UsageError        exit 2: a command was called wrongly
├── ServiceError      exit 3: a server or the network failed; try again later
│   ├── MailboxError  an IMAP mailbox could not be read or written
│   └── DeliveryError an SMTP server refused or could not be reached
└── MailError         one mail could not be handled; it is recorded, the run goes on
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from pydantic import ValidationError


class ExitStatus(IntEnum):
    """What the exit code tells the operator (and systemd, and a script) to do next."""

    DONE = 0
    UNEXPECTED = 1  # a bug: report it with --traceback
    FIX_CONFIG = 2  # fix the config, a rule file or the command line, then run again
    SERVICE_FAILED = 3  # a server or the network failed: try again later
    INTERRUPTED = 130  # Ctrl-C or SIGINT, as shells report it


class InboxBotError(Exception):
    exit_code: ExitStatus = ExitStatus.UNEXPECTED

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def one_line(self) -> str:
        return f"{self.message} (fix: {self.fix})" if self.fix else self.message

    def __str__(self) -> str:
        return self.one_line()


class ConfigError(InboxBotError):
    exit_code = ExitStatus.FIX_CONFIG

    def __init__(
        self, message: str, *, file: str | None = None, field: str | None = None, fix: str | None = None
    ) -> None:
        where = ": ".join(part for part in (file, field) if part)
        super().__init__(f"{where}: {message}" if where else message, fix=fix)
        self.file = file
        self.field = field


class UsageError(InboxBotError):
    exit_code = ExitStatus.FIX_CONFIG


class ServiceError(InboxBotError):
    exit_code = ExitStatus.SERVICE_FAILED


class MailboxError(ServiceError):
    pass


class DeliveryError(ServiceError):
    pass


class MailError(InboxBotError):
    pass


def describe_validation_error(error: ValidationError, file: Path | str) -> ConfigError:
    """The first problem, as file + dotted field + what to write instead."""
    # A misspelt key shows as an unknown key and a missing one: the unknown key is the one to name.
    first = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    kind = first["type"]
    message = first["msg"]
    if kind == "missing":
        fix = f"add `{field}`"
    elif kind == "extra_forbidden":
        fix = f"remove or correct the unknown key `{field}` (check its spelling)"
    elif kind == "enum":
        fix = message.replace("Input should be", "use one of")
    else:
        fix = "correct the value as the message says"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ConfigError(f"{message}{suffix}", file=str(file), field=field, fix=fix)
