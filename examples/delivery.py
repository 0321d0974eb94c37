"""What every sample mail shares: the mailboxes that receive it, its trace headers, its expected outcome."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from examples.documents import Person
from inbox_bot.core.timezones import zone
from tests.mailbuilder import MessageBuilder, make_pdf

MOROCCO = zone("Africa/Casablanca")

OMP = "omp-cabinet-2026"
OMP_OFFICER = "omp-charge-projet-2026"
ALCI = "alci-guide-2024"
OXFAM = "oxfam-migration-2022"
HAKAMA = "hakama-communication-2026"


def ma(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> datetime:
    """A Morocco wall-clock time (UTC+01 on every date used here: none falls in Ramadan)."""
    moment = datetime(year, month, day, hour, minute, second, tzinfo=MOROCCO)
    assert moment.utcoffset() == timedelta(hours=1), moment
    return moment


@dataclass(frozen=True)
class Mailbox:
    """One of our addresses and the server that stamps the topmost Received header on its mail."""

    address: str
    mx: str
    zone: str  # the zone that server writes its dates in: Gmail writes Pacific time
    with_: str = "ESMTPS"
    gmail: bool = False


OMP_BOX = Mailbox("omdp.direction.2@gmail.com", "mx.google.com", "America/Los_Angeles", gmail=True)
ALCI_BOX = Mailbox("mouvementalci@gmail.com", "mx.google.com", "America/Los_Angeles", gmail=True)
ALCI_BOX_2 = Mailbox("recrut.formation2024@gmail.com", "mx.google.com", "America/Los_Angeles", gmail=True)
OXFAM_BOX = Mailbox(
    "procurement.maroc@oxfam.org",
    "AM6PR04MB5239.eurprd04.prod.outlook.com",
    "UTC",
    with_="Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384)",
)
AJJ_BOX = Mailbox("activites@ajj.org.ma", "mail.ajj.org.ma (Postfix)", "Africa/Casablanca")


@dataclass(frozen=True)
class Sample:
    """One mail of the sample inbox and the outcome we intend triage to reach."""

    slug: str
    raw: bytes
    at: datetime  # when our server received it; the Date header when there is no Received header
    verdict: str
    call: str | None
    missing: tuple[str, ...] = ()
    note: str = ""


def message_id(seed: str, domain: str) -> str:
    token = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return f"<{token[:12].upper()}.{token[12:20]}@{domain}>"


def ip(seed: str, net: str = "203.0.113") -> str:
    """A documentation-range IP address (RFC 5737), stable per seed."""
    return f"{net}.{int(hashlib.sha256(seed.encode('utf-8')).hexdigest()[:2], 16) % 250 + 2}"


def deliver(
    builder: MessageBuilder,
    box: Mailbox,
    at: datetime,
    sender: str,
    *,
    sent: datetime | None = None,
) -> MessageBuilder:
    """Stamp the trace of a mail sent by `sender` and received by `box` at `at`.

    Adds the Date (the sender's clock, a few seconds before unless `sent` says otherwise), the sender's
    submission hop, then our server's Received header on top, plus Delivered-To for Gmail boxes.
    """
    domain = sender.rsplit("@", 1)[1]
    sent = sent or at - timedelta(seconds=6)
    builder.date(sent)
    builder.received(
        sent + timedelta(seconds=1),
        by=f"smtp.{domain} (Postfix)",
        from_host=f"DESKTOP-{hashlib.sha256(sender.encode()).hexdigest()[:7].upper()}",
        from_ip=ip(sender, "192.168.1"),
        with_="ESMTPSA",
        recipient=box.address,
    )
    builder.received(
        at.astimezone(zone(box.zone)),
        by=box.mx,
        from_host=f"smtp.{domain}",
        from_ip=ip(domain),
        with_=box.with_,
        recipient=box.address,
    )
    if box.gmail:
        builder.header("Delivered-To", box.address)
    builder.header("Return-Path", f"<{sender}>")
    return builder


Files = list[tuple[str, bytes]]  # (file name, bytes) as attached


def mail(
    slug: str,
    sender: tuple[str, str],
    box: Mailbox,
    at: datetime,
    subject: str,
    body: str,
    files: Files | None = None,
) -> MessageBuilder:
    name, address = sender
    builder = (
        MessageBuilder()
        .sender(name, address)
        .to(box.address)
        .subject(subject)
        .message_id(message_id(slug, address.rsplit("@", 1)[1]))
        .body(body)
    )
    for filename, data in files or []:
        builder.attach(filename, data)
    return deliver(builder, box, at, address)


def pdf(lines: list[str], created: datetime, author: str = "", pages: int = 1) -> bytes:
    return make_pdf(lines, pages=pages, author=author, created=created)


def signature(p: Person) -> str:
    return f"Cordialement,\n\n{p.name}\n{p.title}\n{p.phone}\n"
