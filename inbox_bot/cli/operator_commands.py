"""The operator's commands: inspect applications, correct decisions, re-triage, export, extend, purge.

Commands stay thin: parse options, call one function of
inbox_bot.operator (applications, retriage, purge, export), print.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from inbox_bot.cli import rows, views
from inbox_bot.cli.common import VERDICTS, Context, json_option, output_options
from inbox_bot.core.errors import ExitStatus, UsageError
from inbox_bot.core.models import DocumentKind, Rule, Verdict
from inbox_bot.core.timezones import morocco_time
from inbox_bot.daemon import pipeline_setup
from inbox_bot.operator import applications as operations
from inbox_bot.operator import committee, overrides, purge, retriage, seal, undo
from inbox_bot.operator.export_csv import DIALECTS, Dialect

FOLDER = click.Path(path_type=Path, file_okay=False)
FILE = click.Path(path_type=Path, dir_okay=False)
ID_TEXT = (
    "\b\nIDs: a mail is its number (17); an application, one sender's dossier for one call however many\n"
    "mails it took, is A + the number of its first mail (A17) or call:sender\n"
    "(omp-cabinet-2026:karim@example.ma). `applications` and `list --json` show them."
)


def _rule(rules: dict[str, Rule], call: str) -> Rule:
    if call not in rules:
        raise UsageError(f"no call {call!r} in the rules", fix=f"use one of: {', '.join(sorted(rules))}")
    return rules[call]


# ---------------------------------------------------------------- applications, show


@click.command()
@click.option("--call", help="Only this call (rule id).")
@click.option("--verdict", type=VERDICTS, help="Only applications with this verdict.")
@click.option("--all", "every_call", is_flag=True,
              help="Every call recorded, also those whose rule file has been removed.")
@output_options("One JSON object per application.")
@click.pass_obj
def applications(obj: Context, call: str | None, verdict: str | None, every_call: bool, output: str) -> None:
    """List applications, newest first: one sender's dossier for one call, however many mails it took.

    Without --call, the calls of the rule files in force (or every call with --all). The verdict is the one
    of its latest mail that is not a duplicate or an auto-reply, or a person's override; the time is that
    mail's receipt, in Morocco time.

    \b
    Example:
      inbox-bot --config config.toml applications --call oxfam-migration-2022 --verdict incomplete
      inbox-bot --config config.toml applications --all --json
    """
    store = obj.store()  # refused first without a database, as every reading command
    in_force = None if call is not None or every_call else obj.calls_in_force()
    rows = operations.applications(store, call=call, verdict=verdict, calls=in_force)
    title = f"{len(rows)} application(s)"
    left_out = operations.calls_left_out(store, in_force) if in_force is not None else []
    if left_out:
        title += f" of the calls in force; {len(left_out)} other call(s) recorded: --all or --call"
    views.emit(output, rows, lambda: views.applications_table(rows, title))


@click.command(epilog=ID_TEXT)
@click.argument("ident", metavar="ID")
@json_option("The whole record as one JSON object.")
@click.pass_obj
def show(obj: Context, ident: str, output: str) -> None:
    """Everything about one application or mail: mails, documents and why they were classified so, events.

    \b
    Example:
      inbox-bot --config config.toml show A17
      inbox-bot --config config.toml show 18 --json
    """
    store = obj.store()  # refused first without a database, as every reading command
    rules = obj.rules()
    detail = rows.show_words(operations.show(store, ident, rules), rules)
    if output == "json":
        views.print_json_lines([detail])
        return
    console = views.console()
    for part in views.detail_view(detail):
        console.print(part)


# ---------------------------------------------------------------- retriage, override


@click.command(name="retriage", epilog=ID_TEXT)
@click.argument("idents", metavar="[ID]...", nargs=-1)
@click.option("--call", help="The mails of this call, and those no call claimed (a fixed rule may claim them).")
@click.option("--all", "everything", is_flag=True, help="Every recorded mail.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@output_options("One JSON object per mail re-judged.")
@click.pass_obj
def retriage_(
    obj: Context, idents: tuple[str, ...], call: str | None, everything: bool, dry_run: bool, output: str
) -> None:
    """Judge stored mails again with the current rules and extensions, and show what changes.

    Mails are re-judged in order of receipt, each against what its applicant had sent before it. Each
    change is recorded as a `retriage` event; a person's override is kept. No reply is sent again. On
    the server each changed mail follows its new verdict at the next poll (moved to the new folder).

    \b
    Example:
      inbox-bot --config config.toml retriage --call omp-cabinet-2026 --dry-run
      inbox-bot --config config.toml retriage A17 42
    """
    rules = obj.rules()
    if call is not None:
        _rule(rules, call)
    pipeline = pipeline_setup.build_pipeline(obj.settings, rules)
    store = obj.store()
    mail_ids = retriage.select(store, idents, call, everything)
    changes = retriage.retriage(
        store, pipeline, rules, mail_ids, dry_run=dry_run, track=lambda rows: views.track(rows, "Re-triaging")
    )
    summaries = [c.summary() for c in changes]
    if output != "table":
        views.print_rows(output, summaries)
        return
    if any(c.changed() or c.kept or c.skipped for c in changes):
        views.console().print(views.changes_table(summaries, f"Re-triage of {len(changes)} mail(s)"))
    changed = sum(1 for c in changes if c.changed())
    kept = sum(1 for c in changes if c.kept)
    skipped = sum(1 for c in changes if c.skipped)
    written = "dry run, nothing written" if dry_run else "changes recorded"
    click.echo(f"{changed} changed, {kept} kept by an override, {skipped} skipped: {written}")


def _kind_pair(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> list[tuple[str, DocumentKind]]:
    pairs = []
    for value in values:
        name, sep, kind = value.rpartition("=")  # a file name may hold "=", a kind never does
        if not sep or not name or kind not in {k.value for k in DocumentKind}:
            kinds = ", ".join(k.value for k in DocumentKind)
            raise click.BadParameter(f"{value!r}: write FILE=KIND, KIND one of {kinds}")
        pairs.append((name, DocumentKind(kind)))
    return pairs


@click.command(epilog=ID_TEXT)
@click.argument("ident", metavar="ID")
@click.option("--verdict", type=VERDICTS, help="The verdict a person decided.")
@click.option("--clear", is_flag=True, help="Undo: remove the overrides and judge the mail(s) again by the rules.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    callback=_kind_pair,
    metavar="FILE=KIND",
    help="FILE=KIND: a document's real kind.",
)
@click.option("--note", required=True, help="Why: kept with the decision.")
@json_option("Print what was recorded as JSON.")
@click.pass_obj
def override(
    obj: Context,
    ident: str,
    verdict: str | None,
    clear: bool,
    kinds: list[tuple[str, DocumentKind]],
    note: str,
    output: str,
) -> None:
    """Record a person's decision on a mail (or on an application's deciding mail); --clear undoes it.

    Later re-triages never change it. On the server the mail follows its new verdict at the next poll: moved
    from the folder it was filed into (or from the inbox) to the new verdict's folder. `rejected` is a
    person's verdict only: the application put out of the selection, counted, left out of the scoring
    sheets, and never told to the applicant.

    \b
    Example:
      inbox-bot --config config.toml override A17 --verdict complete \\
          --kind budget.pdf=financial_offer --note "the budget is in the annex"
      inbox-bot --config config.toml override A17 --verdict rejected --note "hors du champ de l'appel"
      inbox-bot --config config.toml override A17 --clear --note "back to the rules"
    """
    if clear:
        _clear_override(obj, ident, verdict, kinds, note, output)
        return
    if verdict is None:
        raise UsageError("an override needs --verdict (or --clear to undo one)", fix="add --verdict VERDICT")
    done = overrides.override(obj.store(), obj.rules(), ident, Verdict(verdict), kinds, note)
    if output == "json":
        views.print_json_lines([done])
        return
    before = done["before"]["verdict"]
    click.echo(f"mail {done['mail']}: {before} -> {verdict} (override), missing: {', '.join(done['after']['missing'])}")
    if kinds:
        click.echo(f"to judge the later mails of this dossier with these kinds: inbox-bot retriage {ident}")


def _clear_override(
    obj: Context, ident: str, verdict: str | None, kinds: list[tuple[str, DocumentKind]], note: str, output: str
) -> None:
    if verdict is not None or kinds:
        raise UsageError("--clear undoes an override: it takes no --verdict or --kind", fix="give only --clear")
    rules = obj.rules()
    done = undo.clear_override(obj.store(), pipeline_setup.build_pipeline(obj.settings, rules), rules, ident, note)
    if output == "json":
        views.print_json_lines([done])
        return
    click.echo(f"{ident}: {len(done['cleared'])} override(s) cleared, judged again by the rules")
    views.console().print(views.changes_table(done["changes"], f"Re-triage of {ident}"))


# ---------------------------------------------------------------- export, extend


@click.command(name="export")
@click.option("--call", required=True, help="The call (rule id).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), help="Default: from --out, else xlsx.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Default: ./<call>.<format>.")
@click.option(
    "--csv-dialect",
    metavar="excel-fr|rfc4180",
    type=click.Choice(DIALECTS),
    default="excel-fr",
    show_default=True,
    help="excel-fr: ; and a UTF-8 byte order mark (French Excel); rfc4180: , and no mark.",
)
@click.option(
    "--reviewers", metavar="NAMES", help='The committee members, "Nom 1,Nom 2": one scoring sheet each and a summary.'
)
@click.option("--files", metavar="DIR", type=FOLDER, help="A folder per applicant, the workbook beside them.")
@click.option("--zip", "zip_", metavar="FILE", type=FILE, help="The same folders as one ZIP file.")
@click.option("--anonymous", is_flag=True, help="IDs in place of names, addresses and file names; no original mails.")
@click.pass_obj
def export_(
    obj: Context,
    call: str,
    fmt: str | None,
    out: Path | None,
    csv_dialect: Dialect,
    reviewers: str | None,
    files: Path | None,
    zip_: Path | None,
    anonymous: bool,
) -> None:
    """Write one row per applicant of a call, for the selection committee.

    Words in the call's language (French by default). Columns: name, address, time received (a date,
    Morocco time), verdict, each required document present or missing, the files. XLSX adds a sheet of
    documents, a scoring sheet (each criterion marked on its own scale, 0 to its weight; the total shows
    once every mark is given; a rank), one per member with --reviewers plus a summary, the late dossiers
    on their own sheet. --files DIR (or --zip FILE) writes a folder per applicant with the files under the
    names they gave them, the original mails (.eml) and the workbook linking to each file. A sealed call
    (sealed = [...] in its rule) leaves its sealed documents and their criterion out until `unseal`.

    \b
    Example:
      inbox-bot --config config.toml export --call oxfam-migration-2022 --out oxfam.xlsx
      inbox-bot --config config.toml export --call oxfam-migration-2022 --reviewers "Amal,Youssef" --zip oxfam.zip
    """
    rule = _rule(obj.rules(), call)
    fmt = fmt or (out.suffix.lower().lstrip(".") if out is not None and out.suffix.lower() == ".csv" else "xlsx")
    if out is None and files is None and zip_ is None:
        out = Path(f"{call}.{fmt}")
    names = tuple(n.strip() for n in (reviewers or "").split(",") if n.strip())
    request = committee.Request(out, fmt, csv_dialect, files, zip_, names, anonymous)
    track = lambda rows: views.track(rows, "Reading dossiers")  # noqa: E731
    written = committee.export_call(obj.store(), rule, request, track=track)
    done, paths = written.export, ", ".join(map(str, written.paths))
    click.echo(f"wrote {paths}: {len(done.on_time)} applicant(s) on time, {len(done.late)} late")
    if rejected := len(done.on_time) - len(done.scored):
        click.echo(f"{rejected} rejected by a person: listed with their verdict, left out of the scoring sheet")
    if (fmt == "xlsx" or files or zip_) and not rule.criteria:
        click.echo("the rule states no weighted criteria: the scoring sheet has one overall mark (weight 100)")
    if done.closed:
        click.echo(f"sealed documents ({', '.join(k.value for k in rule.sealed)}) left out until `inbox-bot unseal`")


@click.command(name="unseal")
@click.option("--call", required=True, help="The sealed call (rule id).")
@click.option("--note", required=True, help="Why: the technical evaluation is closed (kept with the record).")
@click.option("--by", metavar="NAME", help="Who opens them (default: the operating system user).")
@click.pass_obj
def unseal_(obj: Context, call: str, note: str, by: str | None) -> None:
    """Open a sealed call's sealed documents (financial offers) to the committee, for good.

    Records who, when and why. From then on exports add the sealed documents and their criterion, and say
    when they were opened. It cannot be undone; a second unseal changes nothing.

    \b
    Example:
      inbox-bot --config config.toml unseal --call oxfam-migration-2022 --note "notes techniques arrêtées le 3/12"
    """
    rule = _rule(obj.rules(), call)
    opened, new = seal.unseal(obj.store(), rule, note, by)
    when = morocco_time(opened.at).strftime("%Y-%m-%d %H:%M")
    state = "opened" if new else "already opened"
    click.echo(f"{call}: sealed documents {state} on {when} (Morocco time) by {opened.by}: {opened.note}")


@click.command()
@click.option("--call", required=True, help="The call (rule id).")
@click.option(
    "--until",
    "until",
    metavar="DATETIME",
    help="The new deadline, Morocco time: 2026-05-20T16:00 (a date alone: end of day).",
)
@click.option("--applicant", metavar="ADDRESS", help="Only for this sender address (default: the whole call).")
@click.option("--note", help="Why: kept with the extension.")
@click.option("--revoke", is_flag=True, help="Undo: remove the extension of the call (or of --applicant).")
@output_options("One JSON object per extension (or for the one recorded).")
@click.pass_obj
def extend(
    obj: Context, call: str, until: str | None, applicant: str | None, note: str | None, revoke: bool, output: str
) -> None:
    """Give a call, or one applicant, a later deadline; without --until, list the extensions in force.

    The next triage and re-triage use it; mails already judged late stay so until re-triaged.

    \b
    Example:
      inbox-bot --config config.toml extend --call omp-cabinet-2026 --until 2026-05-12T16:00 \\
          --applicant karim@example.ma --note "the server refused his mail on the 10th"
    """
    rule = _rule(obj.rules(), call)
    if revoke:
        _revoke(obj, rule, until, applicant, note or "", output)
        return
    if until is None:
        if applicant or note:
            raise UsageError("--applicant and --note go with --until", fix="add --until DATETIME")
        rows = operations.extensions(obj.store(), call)
        views.emit(
            output, rows, lambda: views.extensions_table(rows, f"Extensions of {call} (deadline {_deadline(rule)})")
        )
        return
    if note is None:
        raise UsageError("an extension needs a --note saying why", fix='add --note "..."')
    done = operations.extend(obj.store(), rule, operations.parse_local(until), applicant, note)
    if output != "table":
        views.print_rows(output, [done])
        return
    who = done["applicant"] or "everyone"
    until_text = operations.deadline_text(datetime.fromisoformat(done["until"]))
    click.echo(f"{call}: deadline for {who} extended to {until_text} Morocco ({done['until']} UTC)")
    if done["late_mails"]:
        click.echo(f"{done['late_mails']} mail(s) were judged late: inbox-bot retriage --call {call}")


def _revoke(obj: Context, rule: Rule, until: str | None, applicant: str | None, note: str, output: str) -> None:
    if until is not None:
        raise UsageError("--revoke removes an extension: it takes no --until", fix="give only --revoke")
    done = undo.revoke_extension(obj.store(), rule, applicant, note)
    if output != "table":
        views.print_rows(output, [done])
        return
    who = done["applicant"] or "everyone"
    click.echo(f"{rule.id}: extension for {who} revoked (the call closes {_deadline(rule)})")
    click.echo(f"to judge its mails again with it: inbox-bot retriage --call {rule.id}")


def _deadline(rule: Rule) -> str:
    return f"{operations.deadline_text(rule.deadline.closes_at())} Morocco"


# ---------------------------------------------------------------- rules check, purge


@click.command(name="check")
@click.argument("directory", metavar="[DIR]", required=False, type=click.Path(path_type=Path))
@output_options("One JSON object per valid rule.")
@click.pass_obj
def rules_check(obj: Context, directory: Path | None, output: str) -> None:
    """Check every rule file; show each call's deadline in Morocco time and UTC, and the days left.

    DIR defaults to the config's rules_dir. Exits 2 if any file is wrong, naming the file and the field.

    \b
    Example:
      inbox-bot rules check rules/
    """
    rows, errors = operations.rules_overview(directory or obj.settings.rules_dir, datetime.now(UTC))
    shown = [{**r, "days_left": r["days_left"] if r["open"] else "closed"} for r in rows]
    views.emit(output, rows, lambda: views.rules_table(shown))
    for row in rows:
        if row["warning"]:
            click.echo(f"inbox-bot: {row['file']}: criteria: {row['warning']}", err=True)
    for error in errors:
        click.echo(f"inbox-bot: {error.one_line()}", err=True)
    if errors:
        raise SystemExit(ExitStatus.FIX_CONFIG)


@click.command(name="purge")
@click.option("--call", required=True, help="The finished call (rule id).")
@click.option("--keep-counts", is_flag=True, help="Keep anonymous counts per verdict (table purged_counts).")
@click.option("--force", is_flag=True, help="Purge even before deadline + [retention] days_after_deadline.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def purge_(obj: Context, call: str, keep_counts: bool, force: bool, yes: bool) -> None:
    """Delete for good the personal data of a finished call (law 09-08, GDPR).

    Deletes its mails (names, addresses, subjects, reasons), documents, events, overrides, extensions,
    raw mails, and the stored files and their text (as read, OCR included) that no other mail uses.
    Refused before the deadline (or latest extension) plus [retention] days_after_deadline, unless
    --force. Mails still on the mail server are not touched.

    \b
    Example:
      inbox-bot --config config.toml purge --call alci-guide-2024 --keep-counts
    """
    store = obj.store()
    found = purge.plan(store, obj.rules(), obj.settings.retention, call)
    purge.check_retention(found, force)
    counts = views.counts_line(found.mail_counts)
    click.echo(f"{call}: {len(found.mail_ids)} mail(s) ({counts}) and {len(found.files)} stored file(s)")
    if not yes and not click.confirm("Delete them for good?", default=False):
        raise UsageError("nothing deleted", fix="answer y, or pass --yes")
    purge.purge(store, found, keep_counts=keep_counts, track=lambda paths: views.track(paths, "Deleting files"))
    kept = "; counts per verdict kept" if keep_counts else ""
    click.echo(f"{call}: personal data deleted{kept}")
