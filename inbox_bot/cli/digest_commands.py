"""`inbox-bot digest` (see the daily digest now, or send it now) and `inbox-bot outbox` (what waits to go)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from inbox_bot.cli import views
from inbox_bot.cli.common import Context, output_options
from inbox_bot.core.errors import ConfigError, DeliveryError, UsageError
from inbox_bot.core.states import OutboxState
from inbox_bot.outgoing import digest, outbox
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.storage.store import Store, utc_now


@click.command(name="digest")
@click.option("--preview", is_flag=True, help="Print the text digest of each organisation; record and send nothing.")
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --preview: also write the HTML digest to this file (one file per organisation when several).",
)
@click.option("--send", is_flag=True, help="Send the digest now, whatever the time, and record it.")
@click.option("--organisation", help="Only this organisation (as the rules name it).")
@click.pass_obj
def digest_command(obj: Context, preview: bool, html: Path | None, send: bool, organisation: str | None) -> None:
    """The daily digest: per call, counts and days left; what is new; what needs a person.

    \b
    Example:
      inbox-bot --config config.toml digest --preview --html /tmp/digest.html
      inbox-bot --config config.toml digest --send --organisation "Oxfam Maroc"
    """
    if preview == send:
        raise UsageError("say what to do with the digest", fix="use --preview or --send")
    if html is not None and not preview:
        raise UsageError("--html goes with --preview", fix="inbox-bot digest --preview --html FILE")
    if preview:
        _preview(obj, obj.store(), organisation, html)
    else:
        _send(obj, obj.store(), organisation)


def _preview(obj: Context, store: Store, organisation: str | None, html: Path | None) -> None:
    found = digest.preview(store, obj.settings, obj.rules(), organisation, now=utc_now())
    for audience, rendered in found:
        to = ", ".join(audience.to) or "(no recipients configured: it would not be sent)"
        click.echo(f"To: {to}\nSubject: {rendered.subject}\n\n{rendered.text}")
        if html is not None and rendered.html is not None:
            target = html if len(found) == 1 else html.with_stem(f"{html.stem}-{_slug(audience.name)}")
            target.write_text(rendered.html, encoding="utf-8")
            click.echo(f"(HTML written to {target})")


def _send(obj: Context, store: Store, organisation: str | None) -> None:
    smtp = obj.settings.smtp
    if smtp is None:
        raise UsageError("no [smtp] section in the config: nothing is sent", fix="add [smtp], see config.example.toml")
    with Mailer(smtp) as mailer:
        run = digest.send_digest_now(store, obj.settings, obj.rules(), mailer, organisation=organisation)
    for name in run.queued:
        click.echo(f"digest queued for {name}")
    for name in run.skipped:
        click.echo(f"digest not sent for {name} (no recipients, or nothing new and send_empty = false)")
    for name, why in run.failed.items():
        click.echo(f"inbox-bot: digest for {name} not written: {why}", err=True)
    if run.failed:
        raise ConfigError(f"{len(run.failed)} digest(s) could not be written", fix="correct the template named above")
    delivery = run.delivery
    if delivery is not None:
        click.echo(f"sent {delivery.sent}, waiting {delivery.retrying}, failed {delivery.failed}")
        if delivery.error or delivery.failed:
            raise DeliveryError(
                delivery.error or "the SMTP server refused a message", fix="see `inbox-bot status` and the log"
            )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "organisation"


@click.command(name="outbox")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice([state.value for state in OutboxState]),
    help="Only rows in this state (repeatable; default: all but sent).",
)
@click.option("--resend", "resend", type=int, metavar="ID", help="Queue an `unknown` reply again (it may go twice).")
@click.option("--mark-sent", "mark_sent", type=int, metavar="ID", help="Take an `unknown` reply as delivered.")
@output_options("One JSON object per row.")
@click.pass_obj
def outbox_command(
    obj: Context, states: tuple[str, ...], resend: int | None, mark_sent: int | None, output: str
) -> None:
    """Replies, digests and alerts waiting to go, and those whose fate a crash left unknown.

    A reply caught mid-send by a crash is `unknown`: it is never sent again on its own. Ask the applicant or
    the SMTP server's log, then settle it with --resend or --mark-sent.

    \b
    Example:
      inbox-bot --config config.toml outbox --state unknown
      inbox-bot --config config.toml outbox --mark-sent 12
    """
    if resend is not None and mark_sent is not None:
        raise UsageError("--resend and --mark-sent settle one row one way", fix="give only one of them")
    store = obj.store()
    if resend is not None or mark_sent is not None:
        row_id = resend if resend is not None else mark_sent
        assert row_id is not None
        outbox.settle_unknown(store, row_id, resend=resend is not None)
        click.echo(f"outbox {row_id}: {'queued again' if resend is not None else 'taken as sent'}")
        return
    rows = outbox.rows(store, *(states or ("queued", "sending", "failed", "unknown")))
    views.emit(output, rows, lambda: views.outbox_table(rows))
