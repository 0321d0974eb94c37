"""The README's command table, written from the commands themselves so it cannot drift from `--help`.

    python -m inbox_bot.cli.reference            # rewrite the table in README.md
    python -m inbox_bot.cli.reference --check    # exit 1 if README.md is out of date

Each row is the command's synopsis (its arguments and options, as --help declares them) and the first
paragraph of its help. tests/test_docs.py fails when README.md differs from what this writes.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from inbox_bot.cli.lazy import LazyGroup
from inbox_bot.cli.main import main

BEGIN = "<!-- commands: written by `python -m inbox_bot.cli.reference` from --help; do not edit by hand -->"
END = "<!-- end of commands -->"
README = Path(__file__).resolve().parents[2] / "README.md"
FIX = "python -m inbox_bot.cli.reference"


def commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    """Every command, subcommands of a group included, in the order they are registered (the README's order)."""
    listed = group.in_order() if isinstance(group, LazyGroup) else group.commands
    for name, command in listed.items():
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command


def synopsis(path: str, command: click.Command) -> str:
    ctx = click.Context(command, info_name=path)
    parts = [f"inbox-bot {path}"]
    for param in command.get_params(ctx):
        if param is command.get_help_option(ctx):
            continue
        parts.append(_argument(param, ctx) if isinstance(param, click.Argument) else _option(param, ctx))
    return " ".join(parts)


def _argument(param: click.Parameter, ctx: click.Context) -> str:
    return param.make_metavar(ctx)


def _option(param: click.Parameter, ctx: click.Context) -> str:
    assert isinstance(param, click.Option)
    name = max(param.opts, key=len)
    if param.is_flag or param.count:
        shown = name
    else:
        shown = f"{name} {_metavar(param, name, ctx)}" + (" ..." if param.multiple else "")
    return shown if param.required else f"[{shown}]"


def _metavar(param: click.Option, name: str, ctx: click.Context) -> str:
    if param.metavar:
        return param.metavar
    if isinstance(param.type, click.Path):
        return param.make_metavar(ctx)
    if isinstance(param.type, click.DateTime):
        return "DATE"
    return name.lstrip("-").upper().replace("-", "_")


def summary(command: click.Command) -> str:
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    return " ".join(first.split())


def table() -> str:
    rows = ["| command | what it does |", "|---|---|"]
    top = "inbox-bot [--config FILE] [-v] [--traceback] COMMAND ... \\| --version \\| --help"
    rows.append(f"| `{top}` | {_cell(summary(main))} |")
    for path, command in commands(main):
        rows.append(f"| `{_cell(synopsis(path, command))}` | {_cell(summary(command))} |")
    return "\n".join(rows)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(readme: str) -> str:
    """README.md with the text between the two markers replaced by the current table."""
    before, found, rest = readme.partition(BEGIN)
    _, found_end, after = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"README.md has no `{BEGIN}` ... `{END}` markers: add them where the table goes")
    return f"{before}{BEGIN}\n{table()}\n{END}{after}"


def run(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if "--check" in argv:
        if current != wanted:
            print(f"README.md: the command table is out of date (fix: {FIX})", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        README.write_text(wanted, encoding="utf-8")
        print("README.md: command table rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
