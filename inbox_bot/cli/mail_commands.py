"""The commands about mail itself: triage saved files, run the daemon (or once), check the servers, status, list."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from inbox_bot.cli import rows, views
from inbox_bot.cli.common import VERDICTS, Context, json_option, output_options
from inbox_bot.core.errors import ExitStatus
from inbox_bot.core.timezones import morocco_time
from inbox_bot.daemon import pipeline_setup
from inbox_bot.daemon.check import check_all
from inbox_bot.daemon.dry_run import dry_run_mailboxes
from inbox_bot.daemon.scheduler import Daemon
from inbox_bot.operator.overview import full_status
from inbox_bot.operator.status import sending_failed_since
from inbox_bot.sources.files import read_paths
from inbox_bot.triage.pipeline import dry_run


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules_dir",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Folder of rule files (default: ./rules or the config's).",
)
@output_options("One JSON object per mail, in order of receipt.")
@click.pass_obj
def triage(obj: Context, paths: tuple[Path, ...], rules_dir: Path | None, output: str) -> None:
    """Dry run: say what would become of saved mails. Writes nothing, sends nothing.

    PATHS are .eml files, folders of them, Maildirs or mbox files.

    \b
    Example:
      inbox-bot triage examples/inbox --json
    """
    if rules_dir is None and obj.config_path is None:
        rules_dir = Path("rules")
    rules = obj.rules(rules_dir)
    pipeline = pipeline_setup.build_pipeline(obj.settings, rules)
    found = dry_run(pipeline, read_paths(paths))
    results = [rows.triage_row(t.result, rows.reader(rules, t.result.call)) for t in found]
    views.emit(output, results, lambda: views.mail_table(results, f"Dry run over {len(results)} mail(s)"))
    if output == "table":
        counts: dict[str, int] = {}
        for row in results:
            counts[str(row["verdict"])] = counts.get(str(row["verdict"]), 0) + 1
        views.console().print(views.counts_line(counts))


@click.command()
@click.option("--once", is_flag=True, help="Poll every source and mailbox once, then exit (non-zero if one failed).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --once: read and triage each mailbox's new mail, print the verdicts and replies; change nothing.",
)
@click.pass_obj
def run(obj: Context, once: bool, dry_run: bool) -> None:
    """Watch the configured mailboxes and folders: triage, record and file each new mail.

    Without --once, runs in the foreground until SIGTERM or Ctrl-C (which finish the mail in hand);
    SIGHUP reloads the rules. Logs go to stderr, one line per mail recorded (`mail recorded mailbox=...
    id=... call=... verdict=...`, for journalctl -g). Creates the database on its first run. The first poll
    of a mailbox answers nobody (what it finds was there before us), nor does any poll answer mail older
    than replies.max_age; both are recorded and filed, and counted in `status`.

    \b
    Example:
      inbox-bot --config config.example.toml run --once
      inbox-bot --config config.toml run --once --dry-run
      inbox-bot --config /etc/inbox-bot/config.toml -v run
    """
    if dry_run:
        if not once:
            raise click.UsageError("--dry-run goes with --once: inbox-bot run --once --dry-run")
        _dry_run(obj)
        return
    daemon = Daemon(obj.settings, daemon=not once)
    if not once:
        # The daemon's journal is how an operator follows it: its per-mail lines (INFO) show without -v.
        package_log = logging.getLogger("inbox_bot")
        package_log.setLevel(min(logging.INFO, logging.getLogger().getEffectiveLevel()))
        daemon.run_forever()
        return
    click.get_current_context().call_on_close(daemon.close)
    started = datetime.now(UTC)
    report = daemon.run_once()
    folders = report.folders
    click.echo(
        f"recorded {len(folders.recorded)} mail(s), {folders.skipped} already recorded; "
        f"{views.counts_line(dict(folders.counts()))}"
    )
    for name, polled in report.mailboxes.items():
        click.echo(f"mailbox {name}: {polled.new} new, {polled.recorded} recorded, {polled.filed} filed")
    problems = folders.failures + [f"mailbox {name}: {error}" for name, error in report.failed.items()]
    # A poll that read the mailbox but could not file (or look up) a mail failed something too (issue 11).
    problems += [f"mailbox {name}: {error}" for name, polled in report.mailboxes.items() for error in polled.errors]
    problems += sending_failed_since(obj.store(), started)  # a reply refused, or the SMTP server out of reach
    for problem in problems:
        click.echo(f"inbox-bot: {problem}", err=True)
    if problems:
        sys.exit(ExitStatus.SERVICE_FAILED)


@click.command()
@json_option("One JSON object.")
@click.pass_obj
def check(obj: Context, output: str) -> None:
    """Connect to every mailbox and the SMTP server and say what inbox-bot would find; change nothing.

    Per mailbox: login, capabilities, delimiter and namespace, whether folders can be created (from ACL
    MYRIGHTS when the server has ACL, else unknown), the folders it would file into (and whether they exist),
    how many mails the next poll would read. Exits 3 when a server failed.

    \b
    Example:
      inbox-bot --config config.toml check
      inbox-bot --config config.toml check --json
    """
    report = check_all(obj.settings, obj.rules())
    if output == "json":
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        views.print_check(views.console(), report.as_dict())
    if report.failed:
        sys.exit(ExitStatus.SERVICE_FAILED)


def _dry_run(obj: Context) -> None:
    rules = obj.rules()
    report = dry_run_mailboxes(obj.settings, rules)
    found = [
        {**rows.triage_row(v.result, rows.reader(rules, v.result.call)), "reply": v.reply}
        for v in report.verdicts
    ]
    title = f"Dry run over {len(found)} mail(s): nothing recorded, filed or sent"
    views.console().print(views.mail_table(found, title))
    counts: dict[str, int] = {}
    for row in found:
        counts[str(row["verdict"])] = counts.get(str(row["verdict"]), 0) + 1
    views.console().print(views.counts_line(counts))
    for v in report.verdicts:
        if v.no_reply:
            click.echo(f"mailbox {v.mailbox} UID {v.uid} ({v.result.sender}): no reply: {v.no_reply}")
    for name, n in report.skipped.items():
        click.echo(f"mailbox {name}: {n} mail(s) already recorded, not shown")
    for name, error in report.failed.items():
        click.echo(f"inbox-bot: mailbox {name}: {error}", err=True)
    if report.failed:
        sys.exit(ExitStatus.SERVICE_FAILED)


@click.command()
@json_option("One JSON object.")
@click.pass_obj
def status(obj: Context, output: str) -> None:
    """Each mailbox's state (ok, degraded, failing) and last poll, counts per call and verdict, the outbox, rules.

    A mailbox is `failing` when its poll fails, `degraded` when filing its mail or sending its replies fails;
    each failing action is shown with its start, the server's error, the cause and its fix (`--json`:
    `state`, `problems`). Sources are the config's [[mailboxes]] (host, folder, kind of login; never a secret)
    and [[sources]] folders; the rules in force are each call's deadline in Morocco time, the days left and
    the late policy.

    \b
    Example:
      inbox-bot --config /etc/inbox-bot/config.toml status
    """
    report = full_status(obj.store(), obj.settings, datetime.now(UTC))
    if output == "json":
        views.print_json_lines([report])
    else:
        views.print_status(views.console(), report)


@click.command(name="list")
@click.option("--call", help="Only this call (rule id).")
@click.option("--verdict", type=VERDICTS, help="Only this verdict.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Only mail received since this date (Morocco time).",
)
@output_options("One JSON object per mail.")
@click.pass_obj
def list_(obj: Context, call: str | None, verdict: str | None, since: datetime | None, output: str) -> None:
    """List the recorded mails, in order of receipt; the ID is what `show`, `override` and `retriage` take.

    \b
    Example:
      inbox-bot --config config.example.toml list --verdict incomplete --json
    """
    store = obj.store()
    since_utc = None if since is None else since.replace(tzinfo=morocco_time(datetime.now(UTC)).tzinfo)
    rules = obj.rules_for_wording()
    listed = [
        rows.stored_row(row, store.documents(row["id"]), rows.reader(rules, row["call"]))
        for row in store.mails(call=call, verdict=verdict, since=since_utc)
    ]
    views.emit(output, listed, lambda: views.mail_table(listed, f"{len(listed)} recorded mail(s)"))
