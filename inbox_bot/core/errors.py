"""One family of errors; the exit code tells the operator what kind of fix is needed.

InboxBotError
├── ConfigError       exit 2: fix the config or a rule file (every problem, each with its file, field and fix)
├── UsageError        exit 2: a command was called wrongly
├── ServiceError      exit 3: a server or the network failed; try again later
│   ├── MailboxError  an IMAP mailbox could not be read or written
│   └── DeliveryError an SMTP server refused or could not be reached
└── MailError         one mail could not be handled; it is recorded, the run goes on
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import IntEnum
from pathlib import Path

from pydantic import ValidationError

from inbox_bot.core.reasons import Cause


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


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in the config or a rule file: where it is (file, dotted field), what is wrong, how to fix it."""

    message: str
    file: str | None = None
    field: str | None = None
    fix: str | None = None

    def located(self) -> str:
        where = ": ".join(part for part in (self.file, self.field) if part)
        return f"{where}: {self.message}" if where else self.message

    def line(self) -> str:
        return f"{self.located()} (fix: {self.fix})" if self.fix else self.located()


class ConfigError(InboxBotError):
    """One or more problems in the config or the rules, all reported at once: fixing them one run at a time
    would cost the operator a restart per mistake. With several, `one_line()` gives a line per problem, each
    with its own fix (and `fix` is None)."""

    exit_code = ExitStatus.FIX_CONFIG

    def __init__(
        self,
        message: str = "",
        *,
        file: str | None = None,
        field: str | None = None,
        fix: str | None = None,
        problems: Sequence[ConfigProblem] = (),
    ) -> None:
        self.problems = list(problems) or [ConfigProblem(message, file=file, field=field, fix=fix)]
        first = self.problems[0]
        self.file, self.field = first.file, first.field
        if len(self.problems) == 1:
            super().__init__(first.located(), fix=first.fix)
            return
        files = {p.file for p in self.problems}
        within = f" in {files.pop()}" if len(files) == 1 and None not in files else ""
        lines = [f"{len(self.problems)} problems{within}, each with its fix:"]
        super().__init__("\n".join(lines + [f"  {p.line()}" for p in self.problems]))

    @classmethod
    def of(cls, problems: Sequence[ConfigProblem]) -> ConfigError:
        if not problems:
            raise ValueError("a ConfigError needs at least one problem")
        return cls(problems=problems)

    @classmethod
    def joined(cls, errors: Sequence[ConfigError]) -> ConfigError:
        return cls.of([problem for error in errors for problem in error.problems])

    def in_file(self, file: Path | str | None) -> ConfigError:
        """The same problems, those that name no file put in `file` (the config the settings came from)."""
        if file is None:
            return self
        named = [p if p.file else replace(p, file=str(file)) for p in self.problems]
        error = ConfigError.of(named)
        error.__cause__ = self.__cause__
        return error


class UsageError(InboxBotError):
    exit_code = ExitStatus.FIX_CONFIG


class ServiceError(InboxBotError):
    exit_code = ExitStatus.SERVICE_FAILED


class MailboxError(ServiceError):
    """`cause`: why the server refused, when its answer says (status, the digest and the alert show its fix)."""

    def __init__(self, message: str, *, fix: str | None = None, cause: Cause | None = None) -> None:
        super().__init__(message, fix=fix)
        self.cause = cause


class DeliveryError(ServiceError):
    pass


class MailError(InboxBotError):
    pass


def describe_validation_error(error: ValidationError, file: Path | str, data: object = None) -> ConfigError:
    """Every problem, each as file + field + what to write instead.

    With `data` (what the file held), an entry of a list of tables is named by its `name` (or `username`, or
    `host`) rather than by its position: `mailboxes[ngo-jobs].port`, not `mailboxes.1.port`.
    """
    # A misspelt key shows as an unknown key and a missing one: the unknown key comes first.
    found = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
    return ConfigError.of([_problem(e["loc"], e["type"], e["msg"], str(file), data) for e in found])


def _problem(loc: tuple[int | str, ...], kind: str, message: str, file: str, data: object) -> ConfigProblem:
    field = _field(loc, data) or "(top level)"
    if kind == "missing":
        fix = f"add `{field}`"
    elif kind == "extra_forbidden":
        fix = f"remove or correct the unknown key `{field}` (check its spelling)"
    elif kind == "enum":
        fix = message.replace("Input should be", "use one of")
    else:
        fix = "correct the value as the message says"
    return ConfigProblem(message, file=file, field=field, fix=fix)


def _field(loc: tuple[int | str, ...], data: object) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            entry = data[part] if isinstance(data, list) and 0 <= part < len(data) else None
            # A table of a list ([[mailboxes]]) by what the operator calls it; a plain value by its index.
            text += f"[{_label(entry, part)}]" if isinstance(entry, dict) else f".{part}"
            data = entry
        else:
            text += f".{part}" if text else part
            data = data.get(part) if isinstance(data, dict) else None
    return text


def _label(entry: dict[str, object], index: int) -> str:
    """What the operator calls a table of a list: its name, or failing that its position, counted from 1."""
    for key in ("name", "username", "host"):
        value = entry.get(key)
        if isinstance(value, str) and value:
            return value
    return f"#{index + 1}"
