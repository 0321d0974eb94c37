"""The `inbox-bot` command. Commands stay thin: parse options, call one function, print."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from inbox_bot.cli import views
from inbox_bot.cli.common import VERDICTS, Context, friendly_errors
from inbox_bot.core.timezones import morocco_time
from inbox_bot.daemon import intake
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.operator.status import status_report
from inbox_bot.sources.files import read_paths
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import dry_run


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
@click.option("--once", is_flag=True, help="Poll every source and mailbox once, then exit (non-zero if one failed).")
@click.pass_obj
@friendly_errors
def run(obj: Context, once: bool) -> None:
    """Watch the configured mailboxes and folders: triage, record and file each new mail.

    Without --once, runs in the foreground until SIGTERM or Ctrl-C (which finish the mail in hand);
    SIGHUP reloads the rules. Logs go to stderr.

    \b
    Example:
      inbox-bot --config config.example.toml run --once
      inbox-bot --config /etc/inbox-bot/config.toml -v run
    """
    daemon = Daemon(obj.settings, daemon=not once)
    if not once:
        daemon.run_forever()
        return
    try:
        report = daemon.run_once()
    finally:
        daemon.close()
    folders = report.folders
    click.echo(
        f"recorded {len(folders.recorded)} mail(s), {folders.skipped} already recorded; "
        f"{views.counts_line(dict(folders.counts()))}"
    )
    for name, polled in report.mailboxes.items():
        click.echo(f"mailbox {name}: {polled.new} new, {polled.recorded} recorded, {polled.filed} filed")
    problems = folders.failures + [f"mailbox {name}: {error}" for name, error in report.failed.items()]
    for problem in problems:
        click.echo(f"inbox-bot: {problem}", err=True)
    if problems:
        sys.exit(3)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.pass_obj
@friendly_errors
def status(obj: Context, as_json: bool) -> None:
    """Mailboxes and their last poll, counts per call and verdict, the outbox, the rules.

    \b
    Example:
      inbox-bot --config /etc/inbox-bot/config.toml status
    """
    store = obj.store()
    try:
        report = status_report(store)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, default=str))
    else:
        views.print_status(views.console(), report)


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


# The operator's commands (inbox_bot.cli.operator_commands): applications, show, retriage, override, export, extend,
# rules check, purge.
from inbox_bot.cli import operator_commands as cli_operator  # noqa: E402

for _command in cli_operator.COMMANDS:
    main.add_command(_command)

from inbox_bot.cli.digest_commands import digest_command, outbox_command  # noqa: E402

main.add_command(digest_command)
main.add_command(outbox_command)
