"""`rules new`: a commented template for a rule written by hand. Apart from `rules draft`, which reads PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import click

from inbox_bot.cli.common import Context
from inbox_bot.core.errors import UsageError
from inbox_bot.rules.template import template

ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def checked_id(rule_id: str) -> str:
    if not ID.match(rule_id):
        raise UsageError(
            f"{rule_id!r} cannot be a rule id", fix="use lower case letters, digits and dashes, e.g. omp-cabinet-2026"
        )
    return rule_id


@click.command(name="new")
@click.argument("rule_id", metavar="ID")
@click.option(
    "--dir", "directory", metavar="DIR", type=click.Path(path_type=Path, file_okay=False),
    help="Default: ./rules or the config's.",
)
@click.pass_obj
def rules_new(obj: Context, rule_id: str, directory: Path | None) -> None:
    """Write a commented template for a new call, DIR/ID.toml, to fill in by hand (see docs/rules.md).

    \b
    Example:
      inbox-bot rules new omp-cabinet-2027
    """
    if directory is None:
        directory = Path("rules") if obj.config_path is None else obj.settings.rules_dir
    path = directory / f"{checked_id(rule_id)}.toml"
    if path.exists():
        raise UsageError(f"{path} already exists", fix="choose another id or edit that file")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(template(rule_id), encoding="utf-8")
    click.echo(f"wrote {path}: fill it in, then run: inbox-bot rules check {directory}")
