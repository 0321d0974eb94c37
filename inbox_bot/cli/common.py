"""What every command shares: the config it finds, the settings, the store (closed in one place), the output options."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from inbox_bot.core.errors import ConfigError, UsageError
from inbox_bot.core.states import Verdict

if TYPE_CHECKING:  # imported when a command first asks for them: `--help` or `rules draft` need no database
    from inbox_bot.config.settings import Settings
    from inbox_bot.core.models import Rule
    from inbox_bot.storage.store import Store

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
Output = Literal["table", "json", "csv"]
VERDICTS = click.Choice([v.value for v in Verdict])
CONFIG_ENV = "INBOX_BOT_CONFIG"
# Looked for in this order when neither --config nor INBOX_BOT_CONFIG names a file: the working folder first, so
# a checkout or a test folder wins over the machine's service config.
DEFAULT_CONFIGS = (Path("config.toml"), Path("/etc/inbox-bot/config.toml"))


def find_config(given: Path | None, candidates: tuple[Path, ...] = DEFAULT_CONFIGS) -> Path | None:
    """The config file to read: the one given, else the first default that exists, else none (built-in defaults)."""
    if given is not None:
        return given
    return next((path for path in candidates if path.is_file()), None)


class Context:
    def __init__(self, config: Path | None) -> None:
        self.config_path = find_config(config)
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from inbox_bot.config.settings import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    def rules(self, directory: Path | None = None) -> dict[str, Rule]:
        from inbox_bot.rules.loader import load_rules

        return load_rules(directory or self.settings.rules_dir)

    def calls_in_force(self) -> list[str] | None:
        """The calls of the rule files, for a listing that leaves the closed years out; None (every call) when
        the rules cannot be read or there are none, so that a rule being edited hides nothing."""
        return list(self.rules_for_wording()) or None

    def rules_for_wording(self) -> dict[str, Rule]:
        """The rules, for their languages only: reading what is recorded must not fail on a rule being edited."""
        try:
            return self.rules()
        except ConfigError as error:
            log.warning("rules not read, reasons shown in French: %s", error.one_line())
            return {}

    def store(self, *, create: bool = False) -> Store:
        """The database, closed when the command ends; refused if it does not exist yet, unless `create`."""
        database = self.settings.database
        if not create and not database.exists():
            raise self._no_database(database)
        from inbox_bot.storage.store import Store

        try:
            store = Store(database, self.settings.storage)
        except ConfigError as exc:
            raise exc.in_file(self.config_path) from exc.__cause__
        click.get_current_context().call_on_close(store.close)
        return store

    def _no_database(self, database: Path) -> ConfigError:
        if self.config_path is None:
            looked = ", ".join(str(path) for path in DEFAULT_CONFIGS)
            return ConfigError(
                f"no config found (looked for {looked}) and no database at {database}",
                fix=f"pass --config FILE, set {CONFIG_ENV}=FILE, or run `inbox-bot run --once` first",
            )
        return ConfigError(
            f"no database at {database} yet",
            file=str(self.config_path),
            field="database",
            fix=f"run `inbox-bot --config {self.config_path} run --once` first, or correct `database`",
        )


def json_option(help_text: str) -> Callable[[F], F]:
    """`--json` alone, for a command that prints one record rather than a table; passes `output`."""
    return _output_options(help_text, with_csv=False)


def output_options(help_text: str) -> Callable[[F], F]:
    """`--json` and `--csv` for a command that prints a table, as sqlite-utils does; passes `output`."""
    return _output_options(help_text, with_csv=True)


def _output_options(help_text: str, *, with_csv: bool) -> Callable[[F], F]:
    def decorate(command: F) -> F:
        @wraps(command)
        def wrapper(*args: Any, as_json: bool, as_csv: bool = False, **kwargs: Any) -> Any:
            if as_json and as_csv:
                raise UsageError("--json and --csv are two ways to print the same rows", fix="give only one of them")
            output: Output = "json" if as_json else "csv" if as_csv else "table"
            return command(*args, output=output, **kwargs)

        decorated: Callable[..., Any] = wrapper
        if with_csv:  # applied first, so that --help lists it after --json
            decorated = click.option("--csv", "as_csv", is_flag=True, help="The same rows as CSV, with a header.")(
                decorated
            )
        return click.option("--json", "as_json", is_flag=True, help=help_text)(decorated)  # type: ignore[return-value]

    return decorate


def default_config_help() -> str:
    return (
        f"The TOML settings file. Default: ${CONFIG_ENV}, else "
        + ", else ".join(str(path) for path in DEFAULT_CONFIGS)
        + ", else built-in defaults and INBOX_BOT_* variables."
    )
