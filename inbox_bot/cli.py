"""The `inbox-bot` command. Commands stay thin: parse options, call one function, print."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from inbox_bot import intake, views
from inbox_bot.cli_common import VERDICTS, Context, friendly_errors
from inbox_bot.errors import UsageError
from inbox_bot.pipeline import dry_run
from inbox_bot.sources.files import read_paths
from inbox_bot.store import Store
from inbox_bot.timezones import morocco_time


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    envvar="INBOX_BOT_CONFIG",
    help="The TOML settings file (default: none, built-in defaults and INBOX_BOT_* variables).",
)
@click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv for debug).")
@click.option("--traceback", is_flag=True, help="Show the full Python traceback of an error.")
@click.pass_context
def main(ctx: click.Context, config: Path | None, verbose: int, traceback: bool) -> None:
    """inbox-bot: sorts the applications that NGOs receive by email.

    \b
    Example:
      inbox-bot --config config.example.toml run --once
      inbox-bot triage examples/inbox --rules rules
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    ctx.obj = Context(config, traceback)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    help="Folder of rule files (default: ./rules or the config's).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mail, in order of receipt.")
@click.pass_obj
@friendly_errors
def triage(obj: Context, paths: tuple[Path, ...], rules_dir: Path | None, as_json: bool) -> None:
    """Dry run: say what would become of saved mails. Writes nothing, sends nothing.

    PATHS are .eml files, folders of them, Maildirs or mbox files.

    \b
    Example:
      inbox-bot triage examples/inbox --json
    """
    if rules_dir is None and obj.config_path is None:
        rules_dir = Path("rules")
    pipeline = intake.build_pipeline(obj.settings, obj.rules(rules_dir))
    results = [t.result.summary() for t in dry_run(pipeline, read_paths(paths))]
    if as_json:
        views.print_json_lines(results)
        return
    console = views.console()
    console.print(views.mail_table(results, f"Dry run over {len(results)} mail(s)"))
    counts: dict[str, int] = {}
    for row in results:
        counts[str(row["verdict"])] = counts.get(str(row["verdict"]), 0) + 1
    console.print(views.counts_line(counts))


@main.command()
@click.option("--once", is_flag=True, help="Take the mail that is waiting, record it, and exit.")
@click.pass_obj
@friendly_errors
def run(obj: Context, once: bool) -> None:
    """Take mail from the configured sources, triage it and record it.

    \b
    Example:
      inbox-bot --config config.example.toml run --once
    """
    if not once:
        raise UsageError(
            "the daemon needs IMAP mailboxes, which this version does not watch yet", fix="use `run --once`"
        )
    settings = obj.settings
    pipeline = intake.build_pipeline(settings, obj.rules())
    store = obj.store()
    try:
        report = intake.run_folder_sources(settings, pipeline, store)
    finally:
        store.close()
    click.echo(
        f"recorded {len(report.recorded)} mail(s), {report.skipped} already recorded; "
        f"{views.counts_line(dict(report.counts()))}"
    )
    for failure in report.failures:
        click.echo(f"inbox-bot: {failure}", err=True)
    if report.failures:
        sys.exit(3)


@main.command(name="list")
@click.option("--call", help="Only this call (rule id).")
@click.option("--verdict", type=VERDICTS, help="Only this verdict.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Only mail received since this date (Morocco time).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per mail.")
@click.pass_obj
@friendly_errors
def list_(obj: Context, call: str | None, verdict: str | None, since: datetime | None, as_json: bool) -> None:
    """List the recorded mails, in order of receipt.

    \b
    Example:
      inbox-bot --config config.example.toml list --verdict incomplete --json
    """
    store = obj.store()
    try:
        since_utc = None if since is None else since.replace(tzinfo=morocco_time(datetime.now(UTC)).tzinfo)
        rows = [_listed(store, row) for row in store.mails(call=call, verdict=verdict, since=since_utc)]
    finally:
        store.close()
    if as_json:
        views.print_json_lines(rows)
    else:
        views.console().print(views.mail_table(rows, f"{len(rows)} recorded mail(s)"))


def _listed(store: Store, row: dict[str, Any]) -> dict[str, Any]:
    documents = [{"filename": d["filename"], "kind": d["kind"], "mime": d["mime"]} for d in store.documents(row["id"])]
    return {
        "id": row["id"],
        "file": row["file"],
        "message_id": row["message_id"],
        "sender": row["sender"],
        "subject": row["subject"],
        "call": row["call"],
        "verdict": row["verdict"],
        "missing": row["missing"],
        "documents": documents,
        "received_at": row["received_at"],
        "reasons": row["reasons"],
    }
