"""The daily digest, one per organisation, and the alert when a mailbox stops working.

An organisation's digest shows its own calls only: counts by verdict and days left, what is new since its last
digest, late dossiers held, mail to review, unmatched mail that reached its addresses, mailbox health, and
replies sent or failed. Call-less mail (unmatched, or unreadable) goes to the organisations whose call
addresses received it; mail no organisation's address received goes to the operator (`[digest] operator`).

"New since the last digest" is exact across restarts: each digest records the last mail id it covered (and its
time, for ids a purge may have freed), and is written in the same transaction as the outbox row that sends it.
Sending itself is the outbox's job (`outbox.deliver_pending`), so a digest waits out an SMTP outage like a reply.

The `mailbox_health` table belongs to the IMAP side (inbox_bot/storage/ledger.py) and may be absent; read from it:
`mailbox`, `last_ok_at`, `last_error`, `failing_since` (ISO times, UTC; failing_since is cleared by a good poll).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from inbox_bot.config.settings import Settings
from inbox_bot.core.errors import ConfigError, InboxBotError
from inbox_bot.core.models import Rule
from inbox_bot.core.timezones import morocco_time
from inbox_bot.outgoing import compose, outbox
from inbox_bot.outgoing.digest_data import OPERATOR as OPERATOR  # the operator's digest, as callers name it
from inbox_bot.outgoing.digest_data import (
    Audience,
    Period,
    audiences,
    build,
    mailbox_health,
)
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.storage import digest_rows
from inbox_bot.storage.rows import iso
from inbox_bot.storage.store import Store, utc_now

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- recording and sending


@dataclass
class DigestRun:
    queued: list[str] = field(default_factory=list)  # organisations whose digest was queued
    skipped: list[str] = field(default_factory=list)  # no recipients, or nothing new and send_empty = false
    failed: dict[str, str] = field(default_factory=dict)  # organisation -> why (a template error...)
    delivery: outbox.DeliveryReport | None = None


def preview(
    store: Store, settings: Settings, rules: Mapping[str, Rule], organisation: str | None = None, *, now: datetime
) -> list[tuple[Audience, compose.Rendered]]:
    """The digests as they would be sent now; nothing is recorded."""
    everyone = _all_addresses(rules)
    chosen = _chosen(settings, rules, organisation)
    return [(a, compose.render_digest(build(store, settings, a, everyone, now))) for a in chosen]


def send_digest_now(
    store: Store,
    settings: Settings,
    rules: Mapping[str, Rule],
    mailer: Mailer | None,
    *,
    organisation: str | None = None,
    now: datetime | None = None,
    only_due: bool = False,
) -> DigestRun:
    """Queue each audience's digest (recorded with its period), then deliver the outbox when a mailer is given.

    `digest --send` calls it; one organisation's failure (a template error) does not stop the others'.
    """
    if settings.smtp is None:
        raise ConfigError("no [smtp] section: the digest cannot be sent", fix="add [smtp] to the config")
    now = now or utc_now()
    run, everyone = DigestRun(), _all_addresses(rules)
    for audience in _chosen(settings, rules, organisation):
        if not audience.to:
            # The scheduled run comes every few minutes: say it once loudly (digest --send), then quietly.
            report = log.debug if only_due else log.warning
            report("digest for %r: no recipients in [[digest.organisations]]: not sent", audience.name)
            run.skipped.append(audience.name)
        elif not only_due or is_due(store, audience.name, settings.digest.time, now):
            try:
                queued = _record(store, settings, audience, build(store, settings, audience, everyone, now), now)
            except InboxBotError as exc:
                log.error("digest for %r: %s", audience.name, exc.one_line())
                run.failed[audience.name] = exc.one_line()
                continue
            (run.queued if queued else run.skipped).append(audience.name)
    if mailer is not None and run.queued:
        run.delivery = outbox.deliver_pending(store, mailer, now=now)
    return run


def send_digest_if_due(
    store: Store, settings: Settings, rules: Mapping[str, Rule], mailer: Mailer | None, *, now: datetime | None = None
) -> DigestRun:
    """The scheduler's job (every few minutes): each audience's digest once a day, from `[digest] time` on.

    Returns at once when no [smtp] is configured (nothing can be sent, nothing is recorded).
    """
    if settings.smtp is None:
        return DigestRun()
    return send_digest_now(store, settings, rules, mailer, now=now, only_due=True)


def is_due(store: Store, name: str, at: str, now: datetime) -> bool:
    local = morocco_time(now)
    hour, minute = (int(part) for part in at.split(":"))
    if local.time() < time(hour, minute):
        return False
    last = digest_rows.last_digest_at(store, name)
    return last is None or morocco_time(datetime.fromisoformat(last)).date() < local.date()


def _record(store: Store, settings: Settings, audience: Audience, data: dict[str, Any], now: datetime) -> bool:
    """Queue the digest and record its period in one transaction; rendered first, so the transaction is short."""
    assert settings.smtp is not None
    period: Period = data["period"]
    send = not data["nothing_new"] or settings.digest.send_empty
    rendered = compose.render_digest(data) if send else None
    with store.transaction():
        outbox_id = None
        if rendered is not None:
            identity = (audience.name, iso(now))
            outbox_id = outbox.queue_notice(
                store, settings.smtp, "digest", identity, audience.to, rendered, now, organisation=audience.name
            )
        digest_rows.add_digest(
            store,
            {"organisation": audience.name, "created_at": iso(now), "recorded_at": utc_now().isoformat(),
             "since_mail_id": period.since_mail_id, "last_mail_id": period.last_mail_id, "outbox_id": outbox_id,
             "empty": int(data["nothing_new"])}
        )  # fmt: skip
    return outbox_id is not None


def _chosen(settings: Settings, rules: Mapping[str, Rule], organisation: str | None) -> list[Audience]:
    every = audiences(settings, rules)
    if organisation is None:
        return every
    chosen = [a for a in every if a.name == organisation]
    if not chosen:
        names = ", ".join(a.name for a in every)
        raise ConfigError(f"no organisation named {organisation!r}", fix=f"use one of: {names}")
    return chosen


def _all_addresses(rules: Mapping[str, Rule]) -> frozenset[str]:
    return frozenset(a for rule in rules.values() for a in rule.addresses)


def alert_recipients(settings: Settings, rules: Iterable[Rule], addresses: Iterable[str]) -> list[str]:
    """The operator, and the organisations whose calls use the failing mailbox's addresses."""
    wanted = set(addresses)
    organisations = {rule.organisation for rule in rules if wanted & set(rule.addresses)}
    found = list(settings.digest.operator)
    for name in sorted(organisations):
        found += [a for a in settings.digest.recipients(name) if a not in found]
    if not found:  # nobody is named for this mailbox: every organisation rather than nobody
        found = sorted({a for o in settings.digest.organisations for a in o.to})
    return found


def send_mailbox_alerts(
    store: Store, settings: Settings, rules: Mapping[str, Rule], mailer: Mailer | None, *, now: datetime | None = None
) -> list[str]:
    """Alert at once when a mailbox's poll, filing or sending has failed longer than `[digest] alert_after` (an
    expired app password, a folder the account may not create, an SMTP server refusing our replies...).

    Once per failure episode: the alert's Message-ID is made of the mailbox, the action and the episode's start,
    and the outbox takes a Message-ID only once. Run it from the scheduler after each poll, or every few minutes.
    """
    now = now or utc_now()
    if settings.smtp is None:
        return []
    alerted = []
    for box in mailbox_health(store, settings, now):
        # The poll's failure, then each filing or sending failure: every one alerts once, after alert_after.
        # The poll's keeps its identity of before (mailbox, start); the others name their action too.
        episodes: list[tuple[dict[str, Any], tuple[str, ...], datetime]] = []
        if box["since_at"] is not None:
            episodes.append(({**box, "action": "poll"}, (box["mailbox"],), box["since_at"]))
        episodes += [({**box, **p}, (box["mailbox"], p["action"]), p["since_at"]) for p in box["problems"]]
        for context, names, since in episodes:
            if now - since < settings.digest.alert_after:
                continue
            recipients = alert_recipients(settings, rules.values(), box["addresses"])
            episode = (*names, since.isoformat())
            if recipients and _queue_alert(store, settings, context, episode, recipients, now):
                alerted.append(box["mailbox"])
    if alerted and mailer is not None:
        outbox.deliver_pending(store, mailer, now=now)
    return alerted


def _queue_alert(
    store: Store, settings: Settings, box: dict[str, Any], episode: tuple[str, ...], to: list[str], now: datetime
) -> bool:
    """Queued once per episode: its Message-ID is made of the mailbox, the action (but for polls) and the start."""
    assert settings.smtp is not None
    keys = ("mailbox", "addresses", "since", "error", "last_success", "action", "hint", "folder", "what")
    context = {key: box.get(key) for key in keys}
    rendered = compose.render("alert.txt", {**context, "duration": box["for"]}, owner="mailbox alert")
    return outbox.queue_notice(store, settings.smtp, "alert", episode, to, rendered, now) is not None
