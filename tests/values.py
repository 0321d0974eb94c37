"""Plain values for the pure stages' tests: a ParsedMail and ClassifiedDocuments without any parsing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from inbox_bot.core.models import ClassifiedDocument, DocumentKind, ParsedMail, ReceivedSource, Rule
from inbox_bot.core.reasons import Reason, ReasonCode
from inbox_bot.core.wording import render_all
from inbox_bot.rules.loader import load_rules

RULES: dict[str, Rule] = load_rules(Path(__file__).resolve().parents[1] / "rules")


def codes(reasons: list[Reason]) -> list[ReasonCode]:
    return [r.code for r in reasons]


def english(reasons: list[Reason]) -> list[str]:
    """Reasons as the log reads them."""
    return render_all(reasons, "en")


def french(reasons: list[Reason]) -> list[str]:
    return render_all(reasons, "fr")


def mail(
    subject: str = "",
    *,
    to: str = "omdp.direction.2@gmail.com",
    body: str = "",
    sender: str = "karim.alaoui@example.ma",
    received_at: datetime | None = None,
    source: ReceivedSource = ReceivedSource.RECEIVED_HEADER,
    message_id: str = "<m1@example.ma>",
    auto_signals: list[str] | None = None,
    links: list[str] | None = None,
) -> ParsedMail:
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        sender=sender,
        sender_name="Karim Alaoui",
        recipients=[to],
        received_at=received_at or datetime(2026, 4, 20, 10, 0, tzinfo=UTC),
        received_source=source,
        body=body,
        auto_signals=auto_signals or [],
        links=links or [],
    )


def doc(
    kind: str,
    name: str | None = None,
    *,
    problem: Reason | None = None,
    pages: int | None = None,
    content: str | None = None,
) -> ClassifiedDocument:
    filename = name or f"{kind}.pdf"
    return ClassifiedDocument(
        filename=filename,
        kind=DocumentKind(kind),
        mime="application/pdf",
        size=1000,
        sha256=hashlib.sha256((content or filename).encode()).hexdigest(),
        pages=pages,
        problem=problem,
    )
