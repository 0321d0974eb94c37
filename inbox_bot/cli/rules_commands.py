"""`rules draft` and `rules new`: a rule from a call's own text, or a commented template to fill in."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from inbox_bot.cli.common import Context, json_option
from inbox_bot.core.errors import UsageError
from inbox_bot.operator.call_text import read_call
from inbox_bot.rules.draft import render
from inbox_bot.rules.draft.build import draft_call
from inbox_bot.rules.template import template

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


def _checked_id(rule_id: str) -> str:
    if not _ID.match(rule_id):
        raise UsageError(
            f"{rule_id!r} cannot be a rule id", fix="use lower case letters, digits and dashes, e.g. omp-cabinet-2026"
        )
    return rule_id


@click.command(name="draft")
@click.argument("call_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--id", "rule_id", help="The rule id (default: from --out, else the organisation and year).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write the TOML here (default: print it).")
@json_option("One JSON object: the fields, their evidence, what to review.")
@click.pass_obj
def rules_draft(obj: Context, call_file: Path, rule_id: str | None, out: Path | None, output: str) -> None:
    """Draft a call's rule from its text (.txt, .pdf, .docx, .odt; French, English, Arabic).

    Each field comes with the line of the call it was read from; what was not found, or found twice with
    different values, is marked TO REVIEW. Exits 0 with a draft (even one to review), 2 if the file cannot
    be read at all.

    \b
    Example:
      inbox-bot rules draft appel.pdf --out rules/omp-cabinet-2026.toml
      inbox-bot rules draft appel.docx --json
    """
    rule_id = rule_id or (out.stem if out is not None and _ID.match(out.stem) else None)
    if out is not None and out.exists():
        # A draft never replaces a rule a person may already have reviewed.
        raise UsageError(f"{out} already exists", fix="give another --out, or move that file away first")
    call = read_call(call_file)
    draft = draft_call(call.text, _checked_id(rule_id) if rule_id else None, call.problem)
    toml = render.as_toml(draft, call_file.name)
    if out is not None:
        out.write_text(toml, encoding="utf-8")
    if output == "json":
        click.echo(json.dumps(render.as_json(draft), ensure_ascii=False))
    elif out is None:
        click.echo(toml, nl=False)
    else:
        click.echo(f"wrote {out}: {len(draft.review())} field(s) to review; then run: inbox-bot rules check")
    for field, reason in draft.review().items():
        click.echo(f"inbox-bot: to review: {field}: {reason}", err=True)


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
    path = directory / f"{_checked_id(rule_id)}.toml"
    if path.exists():
        raise UsageError(f"{path} already exists", fix="choose another id or edit that file")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(template(rule_id), encoding="utf-8")
    click.echo(f"wrote {path}: fill it in, then run: inbox-bot rules check {directory}")


def add_rules_commands(group: click.Group) -> None:
    group.add_command(rules_draft)
    group.add_command(rules_new)
