"""A command group that imports a command's module only when that command runs (or --help lists it).

Every command pulls in its own layers (the daemon, the committee's workbook, PDF readers, SQLite): imported up
front, they made `inbox-bot rules draft appel.txt` spend over a second before reading a line. Click's own pattern
for this ("Lazily Loading Subcommands") keeps a name -> "module:attribute" map.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})  # in the README's order

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            self.add_command(self._load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def in_order(self) -> dict[str, click.Command]:
        """Every command, loaded, in the order the group declares them (lazy ones first)."""
        for name in self.lazy:
            if name not in self.commands:
                self.add_command(self._load(name), name)
        return {name: self.commands[name] for name in [*self.lazy, *self.commands] if name in self.commands}

    def _load(self, name: str) -> click.Command:
        module_name, attribute = self.lazy[name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.lazy[name]} is not a click command")
        return command
