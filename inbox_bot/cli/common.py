"""What every command shares: the settings, the store, and one clear line per error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from inbox_bot.config.settings import Settings, load_settings
from inbox_bot.core.errors import InboxBotError
from inbox_bot.core.models import Rule, Verdict
from inbox_bot.rules.loader import load_rules
from inbox_bot.storage.store import Store

P = ParamSpec("P")
R = TypeVar("R")
VERDICTS = click.Choice([v.value for v in Verdict])


class Context:
    def __init__(self, config: Path | None, traceback: bool) -> None:
        self.config_path = config
        self.traceback = traceback
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    def rules(self, directory: Path | None = None) -> dict[str, Rule]:
        return load_rules(directory or self.settings.rules_dir)

    def store(self) -> Store:
        return Store(self.settings.database, self.settings.storage)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """One place turns our errors into one clear line and an exit code that means something."""

    @wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context = click.get_current_context().find_object(Context)
        try:
            return command(*args, **kwargs)
        except InboxBotError as exc:
            if context is not None and context.traceback:
                raise
            click.echo(f"inbox-bot: {exc.one_line()}", err=True)
            sys.exit(exc.exit_code)

    return wrapper
