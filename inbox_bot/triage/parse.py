"""Raw bytes to a ParsedMail, with mail-parser. Every mail is untrusted: nothing here may raise."""

from __future__ import annotations

import base64
import binascii
import contextlib
import email.utils
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from html import unescape
from typing import Any

import mailparser

from inbox_bot.core.models import Forwarded, MailPart, ParsedMail, RawMail, ReceivedSource
from inbox_bot.core.reasons import Reason, ReasonCode, reason
from inbox_bot.triage.forwards import MAX_FORWARDS, attached_forward, inline_forwards
from inbox_bot.triage.mimescan import Cut, Scan, scan_mail, skeleton
from inbox_bot.triage.rawview import Bytes, decode_base64, head

log = logging.getLogger(__name__)

# mail-parser logs every header it reads at DEBUG and warns on each defect: that is our input, not our problem.
logging.getLogger("mailparser").setLevel(logging.ERROR)

CLOUD_LINK = re.compile(
    r"https?://(?:[\w-]+\.)*(?:drive\.google\.com|docs\.google\.com|wetransfer\.com|we\.tl|dropbox\.com|"
    r"dropboxusercontent\.com|onedrive\.live\.com|1drv\.ms|sharepoint\.com|mega\.nz|icloud\.com|box\.com|"
    r"swisstransfer\.com|fromsmash\.com|transfernow\.net|filetransfer\.io)[^\s<>\"')\]]*",
    re.IGNORECASE,
)
MACHINE_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|noreply-[\w.-]+|bounces?(\+[^@]*)?|notifications?)@",
    re.IGNORECASE,
)
AUTO_SUBJECT = re.compile(
    r"^(out of (the )?office|absence|absent|automatic reply|auto(matic)?[- ]?reply|r[ée]ponse automatique|"
    r"undeliverable|undelivered mail|delivery (status notification|failure)|mail delivery (failed|system)|"
    r"returned mail|non remis|message non (distribu|remis)|failure notice|warning: could not send|"
    r"read:|lu :|delivery delayed)",
    re.IGNORECASE,
)
HTML_TAG = re.compile(r"<[^>]+>")
HTML_HIDDEN = re.compile(r"<(style|script|head|title)\b", re.IGNORECASE)
# Where a line ends in what a mail client shows: an HTML-only reply keeps its lines (one command a line).
HTML_BREAK = re.compile(r"<\s*/?\s*(br|p|div|li|tr|h[1-6]|blockquote|hr|table)\b[^>]*>", re.IGNORECASE)
MAX_BODY_CHARS = 200_000
# Header values are cut to this before decoding: the standard library decodes encoded words in quadratic time
MAX_HEADER_CHARS = 64 * 1024
HEADER_PEEK_BYTES = 262_144  # what is read of a mail that is not parsed (refused, or beyond the parser)


def parse(mail: RawMail, scan: Scan | None = None, data: Bytes | None = None) -> ParsedMail:
    """Parse a raw mail; a mail that cannot be parsed still comes back, with its problems listed.

    `scan` is mimescan.scan_mail of the same bytes (done here, with default limits, when not given): a mail it
    refused is not parsed, and the large base64 bodies it found skip the parser. `data` is the mail's bytes
    when they are not `mail.raw` (a spooled mail, mapped: triage.rawview).
    """
    data = mail.raw if data is None else data
    scan = scan or scan_mail(data)
    if scan.refusal is not None:
        return headers_only(mail, reason(ReasonCode.MAIL_REFUSED, detail=scan.refusal))
    try:
        parsed = _parse_cut(mail, data, scan.cuts) if scan.cuts else None
        if parsed is not None:
            return parsed
        whole = data if isinstance(data, bytes) else data[:]  # nothing was cut: the parser reads it all anyway
        return _from_parser(mail, mailparser.parse_from_bytes(whole), _Restore(data, []))
    except (Exception, RecursionError) as exc:
        log.warning("%s: mail could not be parsed: %s", mail.source, exc)
        detail = f"{type(exc).__name__}: {str(exc)[:120]}"
        return headers_only(mail, reason(ReasonCode.MAIL_UNPARSABLE, detail=detail))


def _parse_cut(mail: RawMail, data: Bytes, cuts: list[Cut]) -> ParsedMail | None:
    """Parse the skeleton, then put back the bodies cut out of it; None if one did not come back as cut."""
    restore = _Restore(data, cuts)
    parsed = _from_parser(mail, mailparser.parse_from_bytes(skeleton(data, cuts)), restore)
    if restore.complete():
        return parsed
    log.info("%s: cut bodies did not come back as expected; parsing the whole mail", mail.source)
    return None


@dataclass
class _Restore:
    """Turns the marker a cut body left in the skeleton back into that body, decoded from the raw bytes."""

    raw: Bytes
    cuts: list[Cut]
    seen: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_marker: Mapping[bytes, Cut] = {cut.marker: cut for cut in self.cuts}

    def __call__(self, content: bytes) -> bytes:
        cut = self.by_marker.get(content) if len(content) < 100 else None  # markers are short: never hash a file
        if cut is None:
            return content
        self.seen.append(content)
        # as base64.b64decode(str) would have: non-ASCII refused, other stray characters skipped
        return decode_base64(self.raw, cut.start, cut.end)

    def complete(self) -> bool:
        return sorted(self.seen) == sorted(self.by_marker)


def _from_parser(mail: RawMail, parsed: Any, restore: _Restore) -> ParsedMail:
    message: Message = parsed.message
    received_at, source = receipt_time(message, mail)
    sender_name, sender = _sender(message)
    body = _body_text(parsed)
    parts, problems, attached = _parts(parsed, restore)
    return ParsedMail(
        message_id=_message_id(message, mail),
        subject=header_text(_get(message, "subject")),
        sender=sender,
        sender_name=sender_name,
        recipients=_recipients(message),
        received_at=received_at,
        received_source=source,
        received_header_at=topmost_received_time(message) if source is ReceivedSource.SERVER else None,
        body=body,
        auto_signals=auto_signals(message, sender),
        links=sorted(set(CLOUD_LINK.findall(body))),
        parts=parts,
        problems=problems,
        in_reply_to=header_text(_get(message, "in-reply-to")),
        references=header_text(_get(message, "references")),
        return_path=_return_path(message),
        authentication_results=[header_text(v) for v in _all(message, "authentication-results")],
        forwarded=[*attached, *inline_forwards(body)][:MAX_FORWARDS],
    )


def headers_only(mail: RawMail, problem: Reason) -> ParsedMail:
    """What little can be read when the mail is not parsed (refused, or defeats the parser): its headers."""
    try:
        message = BytesHeaderParser().parsebytes(head(mail, HEADER_PEEK_BYTES))
        received_at, source = receipt_time(message, mail)
        sender_name, sender = _sender(message)
        subject = header_text(_get(message, "subject"))
        recipients = _recipients(message)
        message_id = _message_id(message, mail)
        signals = auto_signals(message, sender)
    except Exception:  # the headers themselves are hostile: keep only what the source vouches for
        received_at, source = _fallback_time(mail)
        sender_name, sender, subject, recipients, signals = "", "", "", [], []
        message_id = f"<sha256-{mail.sha256}@inbox-bot.invalid>"
    return ParsedMail(
        message_id=message_id,
        subject=subject,
        sender=sender,
        sender_name=sender_name,
        recipients=recipients,
        received_at=received_at,
        received_source=source,
        body="",
        auto_signals=signals,
        problems=[problem],
    )


def header_text(value: object) -> str:
    """A header as readable text: encoded words decoded, folding and control characters removed."""
    if value is None:
        return ""
    text = str(value)[:MAX_HEADER_CHARS]
    # a broken encoded word (bad base64, unknown charset, HeaderParseError...) leaves the text as it came
    with contextlib.suppress(Exception):
        text = str(make_header(decode_header(text)))
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _all(message: Message, name: str) -> list[str]:
    """Every value of a header as received, raw 8-bit text read as UTF-8 (else Windows-1252).

    compat32 hands 8-bit values back as Header objects whose text is lost; raw_items() keeps the bytes.
    """
    return [_text_8bit(str(value)) for key, value in message.raw_items() if key.lower() == name]


def _get(message: Message, name: str) -> str | None:
    values = _all(message, name)
    return values[0] if values else None


def _text_8bit(value: str) -> str:
    if value.isascii() or not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    data = value.encode("ascii", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_HIDDEN_WORD = re.compile(r"encodedword(\d{1,6})x")


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of the headers `names`.

    Addresses are split before display names are decoded, with each encoded word hidden behind a plain word:
    what an encoded word holds (CR/LF, a colon, a comma, a second address) must never change which address a
    mail is from or to.
    """
    words: list[str] = []

    def hide(found: re.Match[str]) -> str:
        words.append(found.group(0))
        return f"encodedword{len(words) - 1}x"

    values = [_ENCODED_WORD.sub(hide, value[:MAX_HEADER_CHARS]) for name in names for value in _all(message, name)]
    pairs = email.utils.getaddresses(values)

    def shown(text: str) -> str:
        return _HIDDEN_WORD.sub(lambda m: words[int(m.group(1))] if int(m.group(1)) < len(words) else "", text)

    return [(header_text(shown(name)), shown(address).strip().lower()) for name, address in pairs
            if _is_address(shown(address))]


def _is_address(address: str) -> bool:
    address = address.strip()
    return "@" in address and address.isprintable() and not any(char.isspace() for char in address)


def _sender(message: Message) -> tuple[str, str]:
    pairs = _addresses(message, "from") or _addresses(message, "sender", "reply-to")
    return pairs[0] if pairs else ("", "")


def _recipients(message: Message) -> list[str]:
    pairs = _addresses(message, "to", "cc", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")
    return sorted({address for _, address in pairs})


def _message_id(message: Message, mail: RawMail) -> str:
    value = header_text(_get(message, "message-id"))
    match = re.search(r"<[^<>\s]{1,250}>", value)
    # No usable Message-ID: the content hash names the mail, so duplicates still collapse.
    return match.group(0) if match else f"<sha256-{mail.sha256}@inbox-bot.invalid>"


def _return_path(message: Message) -> str | None:
    value = _get(message, "return-path")
    return None if value is None else header_text(value).strip("<> ").lower()


def receipt_time(message: Message, mail: RawMail) -> tuple[datetime, ReceivedSource]:
    """When our side received the mail: the server's own date, else the topmost Received header.

    The Date header is written by the sender's machine; it is only the last resort.
    """
    if mail.server_received_at is not None:
        return mail.server_received_at.astimezone(UTC), ReceivedSource.SERVER
    topmost = topmost_received_time(message)
    if topmost is not None:
        return topmost, ReceivedSource.RECEIVED_HEADER
    date = _parse_date(header_text(_get(message, "date")))
    if date is not None:
        return date, ReceivedSource.DATE_HEADER
    return _fallback_time(mail)


def topmost_received_time(message: Message) -> datetime | None:
    for value in _all(message, "received"):
        # Servers prepend: the first Received header with a date is the one our side added.
        _, _, stamp = str(value).rpartition(";")
        parsed = _parse_date(stamp)
        if parsed is not None:
            return parsed
    return None


def _parse_date(text: str) -> datetime | None:
    text = " ".join(text.split())
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # RFC 5322 "-0000": the sender did not know its zone; UTC is the convention
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _fallback_time(mail: RawMail) -> tuple[datetime, ReceivedSource]:
    if mail.file_mtime is not None:
        return mail.file_mtime.astimezone(UTC), ReceivedSource.FILE
    return datetime(1970, 1, 1, tzinfo=UTC), ReceivedSource.FILE


def auto_signals(message: Message, sender: str) -> list[str]:
    """Why a mail looks machine-sent (RFC 3834 and the habits of real mailers); empty for a person's mail.

    Each signal quotes the header that gives it away: evidence in no language, shown as it is in every one."""
    signals = []
    auto_submitted = header_text(_get(message, "auto-submitted")).lower()
    if auto_submitted and auto_submitted != "no":
        signals.append(f"Auto-Submitted: {auto_submitted}")
    precedence = header_text(_get(message, "precedence")).lower()
    if precedence in {"bulk", "list", "junk", "auto_reply"}:
        signals.append(f"Precedence: {precedence}")
    for name in ("List-Id", "List-Unsubscribe", "X-Autoreply", "X-Autorespond", "Feedback-Type", "X-Failed-Recipients"):
        if message.get(name) is not None:
            signals.append(name)
    if _return_path(message) == "":
        signals.append("Return-Path: <>")
    if sender and MACHINE_SENDERS.match(sender):
        signals.append(f"From: {sender}")
    if message.get_content_type() == "multipart/report":
        signals.append("Content-Type: multipart/report")
    subject = header_text(_get(message, "subject"))
    if AUTO_SUBJECT.match(subject):
        signals.append(f"Subject: {subject[:60]}")
    return signals


def _body_text(parsed: Any) -> str:
    plain = "\n".join(str(p) for p in parsed.text_plain)
    if not plain.strip():
        plain = html_text("\n".join(str(p) for p in parsed.text_html))
    return plain[:MAX_BODY_CHARS]


def html_text(markup: str) -> str:
    """The text an HTML part shows, line by line: tags out, entities read, blocks and <br> as line ends."""
    text = HTML_TAG.sub(" ", HTML_BREAK.sub("\n", _shown(markup[: MAX_BODY_CHARS * 4])))
    lines = (" ".join(line.split()) for line in unescape(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _shown(markup: str) -> str:
    """Without what a mail client does not show (styles, scripts, the head); one pass, whatever the markup."""
    lower, kept, at = markup.lower(), [], 0
    while (found := HTML_HIDDEN.search(markup, at)) is not None:
        kept.append(markup[at : found.start()])
        closing = lower.find(f"</{found.group(1).lower()}", found.end())
        if closing < 0:
            return "".join(kept)
        at = lower.find(">", closing) + 1 or len(markup)
    return "".join([*kept, markup[at:]])


def _parts(parsed: Any, restore: _Restore) -> tuple[list[MailPart], list[Reason], list[Forwarded]]:
    parts: list[MailPart] = []
    problems: list[Reason] = []
    forwarded: list[Forwarded] = []
    for item in parsed.attachments:
        filename = header_text(item.get("filename")) or "unnamed"
        payload = item.get("payload") or ""
        if str(item.get("mail_content_type") or "").lower() == "message/rfc822":
            # a forwarded mail: mail-parser lists its files beside ours already; what is left is who sent it
            found = _attached_forward(item, payload)
            if found is not None:
                forwarded.append(found)
            continue
        try:
            content = restore(base64.b64decode(payload)) if item.get("binary") else str(payload).encode("utf-8")
        except (binascii.Error, ValueError):
            problems.append(reason(ReasonCode.BAD_BASE64, file=filename))
            continue
        parts.append(
            MailPart(filename=filename, content=content, declared_mime=str(item.get("mail_content_type") or ""))
        )
    return parts, problems, forwarded


def _attached_forward(item: Any, payload: object) -> Forwarded | None:
    try:
        raw = base64.b64decode(str(payload)) if item.get("binary") else str(payload).encode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None
    return attached_forward(raw)


def peek_received_at(mail: RawMail) -> tuple[datetime, ReceivedSource]:
    """The receipt time from the headers alone, cheaply, for ordering mails before they are parsed."""
    try:
        header_block = head(mail, HEADER_PEEK_BYTES)
        return receipt_time(BytesHeaderParser().parsebytes(header_block), mail)
    except Exception:  # hostile headers: order it by what the source vouches for
        return _fallback_time(mail)
