"""Whether to answer an applicant, with which kind of reply, and to which address. Pure: no I/O.

The rules that keep inbox-bot from ever causing a mail loop or backscatter (RFC 3834):

- answer only a verdict that calls for it (complete, incomplete, late), only when the call enables replies;
- never answer machine mail: Auto-Submitted other than `no`, Precedence bulk/list/junk, any List-* header,
  an empty Return-Path, mailer-daemon/postmaster/noreply senders, or one of our own addresses;
- answer the envelope sender (Return-Path) when there is one, else From; never Reply-To (RFC 3834 section 4);
- answer only an address our own server authenticated (SPF, DKIM or DMARC pass in the Authentication-Results
  header that carries one of our authserv-ids, for that address's domain): a forged sender gets nothing, and
  the mail is flagged for a person instead;
- never answer a mail that answers one of our own (its In-Reply-To or References name a Message-ID we sent):
  it is recorded, and answered only when it brings new documents that complete the dossier (a receipt, once);
- never answer the backlog: mail already in a mailbox when inbox-bot first watched it, or older than
  `replies.max_age`, is recorded and filed, never answered (`held_back`).

The window ("at most one reply of a kind per sender and call") needs the database: outbox.py applies it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from inbox_bot.core.models import Deadline, DocumentKind, ParsedMail, Rule, TriageResult, Verdict
from inbox_bot.core.timezones import morocco_time
from inbox_bot.core.wording import KIND_LABELS as KIND_LABELS
from inbox_bot.core.wording import MOROCCO_TIME

ReplyKind = Literal["receipt", "incomplete", "late"]
Language = Literal["fr", "ar", "en"]
KIND_OF_VERDICT: dict[Verdict, ReplyKind] = {
    Verdict.COMPLETE: "receipt",
    Verdict.INCOMPLETE: "incomplete",
    Verdict.LATE: "late",
}
MACHINE_LOCAL_PART = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply[-+.].*|bounces?([-+.].*)?|"
    r"notifications?|daemon|auto-?reply|autoresponder|listserv|majordomo|owner-.*|.*-request)$",
    re.IGNORECASE,
)
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}$")
COMMENT = re.compile(r"\([^()]*\)")



@dataclass(frozen=True)
class FileReceived:
    filename: str
    size: int
    sha256: str
    inside: str | None
    received_at: datetime


@dataclass(frozen=True)
class Plan:
    """Send this kind of reply to this address."""

    kind: ReplyKind
    to: str
    to_name: str


@dataclass(frozen=True)
class Thread:
    """Where a mail stands in a conversation with us: does it answer a message we sent, does it bring new files."""

    answers_ours: bool = False
    new_documents: int = 0  # documents whose bytes the dossier did not hold yet


@dataclass(frozen=True)
class Skip:
    """A reply was due but must not go; `review` when a person should look (the sender is not authenticated)."""

    kind: ReplyKind
    reason: str
    review: bool = False


def plan_reply(
    result: TriageResult,
    rule: Rule | None,
    parsed: ParsedMail,
    headers: Sequence[tuple[str, str]],
    own_addresses: Set[str],
    authserv_ids: Set[str],
    thread: Thread = Thread(),
) -> Plan | Skip | None:
    """What to do about replying to one triaged mail; None when no reply is due at all."""
    kind = KIND_OF_VERDICT.get(result.verdict)
    if kind is None or rule is None or not rule.replies.enabled or kind not in rule.replies.kinds:
        return None
    if thread.answers_ours and (kind != "receipt" or thread.new_documents == 0):
        # A notice answering our notice is how mail loops start; only a dossier it completes gets a word back.
        return Skip(kind, "answers one of our own messages (In-Reply-To/References): recorded, not answered")
    loops = loop_reasons(parsed, headers)
    if loops:
        return Skip(kind, "machine mail, never answered: " + "; ".join(loops))
    to = reply_address(parsed)
    if to is None:
        return Skip(kind, "no address to answer (empty Return-Path)")
    if not is_address(to):
        return Skip(kind, f"the address to answer {to[:120]!r} is malformed")
    if to in own_addresses or parsed.sender in own_addresses:
        return Skip(kind, f"{to} is one of our own addresses")
    if MACHINE_LOCAL_PART.match(to.partition("@")[0]):
        return Skip(kind, f"{to} is a machine address")
    if not is_authenticated(to, parsed.authentication_results, authserv_ids):
        return Skip(kind, f"{to} is not authenticated by our server (no SPF/DKIM/DMARC pass): check by hand", True)
    if result.forwarded_by and is_address(result.sender) and result.sender not in own_addresses:
        # our own staff forwarded the dossier (authenticated just above): the applicant is its original sender
        return Plan(kind, result.sender, result.sender_name)
    return Plan(kind, to, parsed.sender_name if to == parsed.sender else "")


def loop_reasons(parsed: ParsedMail, headers: Sequence[tuple[str, str]]) -> list[str]:
    """Why a mail looks machine-sent; the parser's signals and our own reading of the raw headers."""
    reasons = list(parsed.auto_signals)
    for name, value in headers:
        key, text = name.strip().lower(), " ".join(value.split()).lower()
        if key == "auto-submitted" and text.split(";")[0].strip() not in ("", "no"):
            reasons.append(f"Auto-Submitted: {text[:40]}")
        elif key == "precedence" and text in {"bulk", "list", "junk", "auto_reply"}:
            reasons.append(f"Precedence: {text}")
        elif key.startswith("list-"):
            reasons.append(f"{name.strip()} header")
        elif key == "return-path" and text.strip("<> ") == "":
            reasons.append("empty Return-Path")
        elif key in {"x-autoreply", "x-autorespond"}:
            reasons.append(f"{name.strip()} header")
        elif key == "x-auto-response-suppress" and {"all", "autoreply"} & set(re.split(r"[\s,]+", text)):
            reasons.append(f"X-Auto-Response-Suppress: {text[:40]}")  # Exchange asks: no automatic answer
    if parsed.sender and MACHINE_LOCAL_PART.match(parsed.sender.partition("@")[0]):
        reasons.append(f"sent by {parsed.sender}")
    return sorted(set(reasons))


def looks_like_ours(message_id: str, domain: str) -> bool:
    """A Message-ID shaped as `message_id()` makes them for our domain: ours even once its outbox row is purged."""
    local, _, host = message_id.strip("<>").rpartition("@")
    kind, _, digest = local.partition(".")
    hexdigits = set("0123456789abcdef")
    return host.lower() == domain.lower() and kind.isalpha() and len(digest) == 32 and set(digest) <= hexdigits


def held_back(arrived_at: datetime, now: datetime, max_age: timedelta, *, first_contact: bool) -> str | None:
    """Why a mail must not be answered for its age alone, or None: the backlog is recorded, never answered."""
    if first_contact:
        return "first_contact"
    if now - arrived_at > max_age:
        return "max_age"
    return None


def reply_address(parsed: ParsedMail) -> str | None:
    """RFC 3834 section 4: the Return-Path when the mail has one (None if it is empty), else From."""
    if parsed.return_path is not None:
        address = parsed.return_path.strip().strip("<>").strip().lower()
        return address or None
    return parsed.sender.strip().lower() or None


def is_address(value: str) -> bool:
    """A plain ASCII address we can put in RCPT TO without quoting; anything else is refused, not repaired."""
    return bool(ADDRESS.match(value)) and ".." not in value


def own_addresses(configured: Iterable[str], rules: Iterable[Rule], *more: str) -> frozenset[str]:
    """Every address that is ours: configured, every call's, and the sender's own From."""
    found = {a.strip().lower() for a in configured} | {a for rule in rules for a in rule.addresses}
    return frozenset(found | {a.strip().lower() for a in more if a})


# ---------------------------------------------------------------- authentication (RFC 8601)


def is_authenticated(address: str, results: Sequence[str], authserv_ids: Set[str]) -> bool:
    domain = address.rpartition("@")[2].lower()
    return any(_aligned(domain, passed) for passed in authenticated_domains(results, authserv_ids))


def authenticated_domains(results: Sequence[str], authserv_ids: Set[str]) -> set[str]:
    """Domains that passed SPF, DKIM or DMARC in the topmost header our own server wrote.

    Only the first header carrying one of our authserv-ids counts: our server adds its own on top, and a
    header further down with the same id was written by someone else (RFC 8601 section 5).
    """
    wanted = {i.lower() for i in authserv_ids}
    for header in results:
        authserv, methods = parse_authentication_results(header)
        if authserv in wanted:
            return {d for method, result, props in methods if result == "pass" for d in _domains(method, props)}
    return set()


def parse_authentication_results(header: str) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """`mx.ngo.ma; spf=pass smtp.mailfrom=a@b.ma; dkim=pass header.d=b.ma` -> id and (method, result, props)."""
    text = header
    while COMMENT.search(text):  # comments may nest: peel them from the inside
        text = COMMENT.sub(" ", text)
    parts = [part.strip() for part in text.split(";")]
    authserv = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    methods = []
    for part in parts[1:]:
        tokens = part.split()
        if not tokens or "=" not in tokens[0]:
            continue
        method, _, result = tokens[0].partition("=")
        props = {k.lower(): v.strip('"').lower() for k, sep, v in (t.partition("=") for t in tokens[1:]) if sep}
        methods.append((method.split("/")[0].lower(), result.lower(), props))
    return authserv, methods


def _domains(method: str, props: dict[str, str]) -> list[str]:
    keys = {"spf": ("smtp.mailfrom",), "dkim": ("header.d", "header.i"), "dmarc": ("header.from",)}.get(method, ())
    return [props[k].rpartition("@")[2] for k in keys if props.get(k, "").rpartition("@")[2]]


def _aligned(domain: str, authenticated: str) -> bool:
    # Relaxed alignment without a public-suffix list: the same domain, or one a subdomain of the other.
    if "." not in authenticated or "." not in domain:
        return False
    return domain == authenticated or domain.endswith("." + authenticated) or authenticated.endswith("." + domain)


# ---------------------------------------------------------------- words for the templates


def message_id(kind: str, *parts: str, domain: str) -> str:
    """The same reply to the same mail always gets the same Message-ID: it is the outbox's unique key."""
    digest = hashlib.sha256("\0".join((kind, *parts)).encode("utf-8")).hexdigest()[:32]
    return f"<{kind}.{digest}@{domain}>"


def moment_text(instant: datetime, language: Language, *, seconds: bool = False) -> str:
    local = morocco_time(instant)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    day = local.strftime("%d/%m/%Y")
    joiner = {"fr": "à", "ar": "على الساعة", "en": "at"}[language]
    return f"{day} {joiner} {clock} ({MOROCCO_TIME[language]})"


def deadline_text(deadline: Deadline, language: Language, override: datetime | None = None) -> str:
    """The deadline as the applicant reads it, in Morocco time; a date-only deadline is that whole day."""
    if override is None and isinstance(deadline.local, date) and not isinstance(deadline.local, datetime):
        last_minute = deadline.closes_at() - timedelta(minutes=1)
        prefix = {"fr": "au plus tard le", "ar": "في أجل أقصاه", "en": "by"}[language]
        return f"{prefix} {moment_text(last_minute, language)}"
    prefix = {"fr": "avant le", "ar": "قبل", "en": "before"}[language]
    return f"{prefix} {moment_text(override or deadline.closes_at(), language)}"


def size_text(size: int, language: Language) -> str:
    unit = {"fr": "octets", "ar": "بايت", "en": "bytes"}[language]
    grouped = f"{size:,}".replace(",", {"fr": "\u202f", "ar": ",", "en": ","}[language])
    return f"{grouped} {unit}"


def labels(kinds: Iterable[str], language: Language, rule: Rule | None = None) -> list[str]:
    """Kinds of documents as the applicant reads them: the rule's own labels, else the built-in ones."""
    return [label(kind, language, rule) for kind in kinds]


def label(kind: str, language: Language, rule: Rule | None = None) -> str:
    own = rule.own_label(kind, language) if rule is not None else None
    if own is not None:
        return own
    try:
        return KIND_LABELS[language][DocumentKind(kind)]
    except ValueError:  # a kind the rule no longer declares: its id is all there is
        return kind


def one_line(value: str, limit: int = 200) -> str:
    """Text from a mail made safe for a header or a list line: no line breaks or control characters, bounded."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def reply_context(
    result: TriageResult, rule: Rule, kind: str, *, earlier: Sequence[FileReceived], override: datetime | None
) -> dict[str, Any]:
    """What a reply template may use (see inbox_bot/templates/reply_*.txt); every value is plain text."""
    language = rule.replies.language
    return {
        "kind": kind,
        "language": language,
        "organisation": rule.organisation,
        "call_id": rule.id,
        "call_title": rule.title,
        "call_reference": rule.reference,
        "call_address": rule.addresses[0],
        "deadline": deadline_text(rule.deadline, language, override),
        "late_policy": rule.deadline.late_policy.value,
        "applicant_name": one_line(result.sender_name, 120),
        "original_subject": one_line(result.subject, 200),
        "received_at": moment_text(result.received_at, language, seconds=True),
        "missing": labels(result.missing, language, rule),
        "files": file_lines(result, earlier, language),
        "says_complete": says_complete(result, rule),
    }


def says_complete(result: TriageResult, rule: Rule) -> bool:
    """A receipt says "complete" only where the call allows it, and never for a file that could not be read."""
    readable = all(d.problem is None for d in result.documents)
    return rule.replies.receipt_says_complete and result.verdict is Verdict.COMPLETE and readable


def file_lines(result: TriageResult, earlier: Sequence[FileReceived], language: Language) -> list[dict[str, str]]:
    """Every file of the dossier, each once: earlier mails' (which count towards it) first, then this mail's."""
    files = list(earlier)
    if result.verdict is not Verdict.LATE:  # a late mail's files are not part of the dossier
        files += [FileReceived(d.filename, d.size, d.sha256, d.inside, result.received_at) for d in result.documents]
    seen: set[str] = set()
    lines = []
    for file in files:
        if file.sha256 in seen:
            continue
        seen.add(file.sha256)
        name = f"{file.inside} › {file.filename}" if file.inside else file.filename
        lines.append(
            {
                "name": one_line(name, 160),
                "size": size_text(file.size, language),
                "sha256": file.sha256,
                "received_at": moment_text(file.received_at, language, seconds=True),
            }
        )
    return lines
