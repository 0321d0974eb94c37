"""`rules draft` and `rules new`: a rule from a call's own text, or a commented template to fill in."""

from __future__ import annotations

import json
from pathlib import Path

import click

from inbox_bot.cli.common import Context, json_option
from inbox_bot.cli.rule_template import ID, checked_id
from inbox_bot.core.errors import UsageError
from inbox_bot.operator.call_text import read_call
from inbox_bot.rules.draft import render
from inbox_bot.rules.draft.build import draft_call


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
    rule_id = rule_id or (out.stem if out is not None and ID.match(out.stem) else None)
    if out is not None and out.exists():
        # A draft never replaces a rule a person may already have reviewed.
        raise UsageError(f"{out} already exists", fix="give another --out, or move that file away first")
    call = read_call(call_file)
    draft = draft_call(call.text, checked_id(rule_id) if rule_id else None, call.problem)
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
