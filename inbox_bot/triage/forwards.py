"""Who first sent a forwarded mail: from an attached message (Outlook's "Forward as attachment") or from the
header block a mail client writes above an inline forward, in any common client's style and language:

    ---------- Forwarded message ---------      (Gmail; "Message transféré", "الرسالة المعاد توجيهها")
    -----Original Message-----                   (Outlook; or "De : ... Envoyé : ..." under a rule line)
    -------- Message transféré --------          (Thunderbird; "Forwarded Message")
    Début du message réexpédié :                 (Apple Mail; "Begin forwarded message:")

Reads text only, line by line, so its cost is linear in the body (already capped by parse.py) and a forward
nested ten deep is ten entries of a bounded list, outermost first.
"""

from __future__ import annotations

import contextlib
import re
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from inbox_bot.core.models import Forwarded, ParsedMail, Rule
from inbox_bot.core.reasons import Reason, ReasonCode, reason

MAX_FORWARDS = 20  # deeper chains are read no further: the outermost twenty already name the original sender
_HEADER_PEEK = 64 * 1024
_BLOCK_LINES = 12  # a client's header block: From, Sent/Date, To, Cc, Subject, and wrapped lines

_MARKER = re.compile(
    r"^[\s>]*(?:-{2,}\s*(?:forwarded message|message transf[ée]r[ée]|original message|message d'origine|"
    r"message original|forwarded message|الرسالة المعاد توجيهها|رسالة معاد توجيهها|الرسالة الأصلية)\s*-{2,}|"
    r"d[ée]but du message r[ée]exp[ée]di[ée]\s*:|begin forwarded message\s*:|_{10,})\s*$",
    re.IGNORECASE,
)
_FIELD = re.compile(r"^[\s>]*\*?([^\W\d_][\w ]{0,14}?)\*?\s*:\s*(.*)$")
_FROM_KEYS = frozenset({"from", "de", "von", "van", "da", "من", "المرسل"})
_SUBJECT_KEYS = frozenset({"subject", "objet", "sujet", "betreff", "oggetto", "الموضوع"})
_DATE_KEYS = frozenset({"date", "sent", "envoyé", "envoye", "التاريخ", "أرسلت", "أرسل"})
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def inline_forwards(body: str) -> list[Forwarded]:
    """The senders of the inline forwards a body quotes, outermost first."""
    lines = body.splitlines()
    found: list[Forwarded] = []
    index = 0
    while index < len(lines) and len(found) < MAX_FORWARDS:
        start = _block_start(lines, index)
        if start is None:
            break
        forwarded, index = _read_block(lines, start)
        if forwarded is not None:
            found.append(forwarded)
    return found


def _block_start(lines: list[str], index: int) -> int | None:
    """The first line from `index` that opens a forward's header block: a marker, or From/De then a date."""
    for number in range(index, len(lines)):
        line = lines[number]
        if _MARKER.match(line):
            return number + 1
        if _key(line) in _FROM_KEYS and any(_key(after) in _DATE_KEYS for after in lines[number + 1:number + 4]):
            return number
    return None


def _read_block(lines: list[str], start: int) -> tuple[Forwarded | None, int]:
    fields: dict[str, str] = {}
    first = start
    while first < len(lines) and not lines[first].strip(" >\t"):
        first += 1  # Apple Mail leaves a blank line after its marker
    number = first
    for number in range(first, min(first + _BLOCK_LINES, len(lines))):
        found = _FIELD.match(lines[number])
        if found is None:
            if fields and not lines[number].strip(" >\t"):
                break  # the blank line that ends the block
            continue
        fields.setdefault(_normal_key(found.group(1)), found.group(2).strip())
    sender = next((fields[key] for key in fields if key in _FROM_KEYS), "")
    subject = next((fields[key] for key in fields if key in _SUBJECT_KEYS), "")
    return _forwarded(sender, subject, "inline"), number + 1


def _key(line: str) -> str:
    found = _FIELD.match(line)
    return _normal_key(found.group(1)) if found else ""


def _normal_key(key: str) -> str:
    return " ".join(key.casefold().split())


def _forwarded(sender: str, subject: str, how: str) -> Forwarded | None:
    address = _ADDRESS.search(sender)
    if address is None:
        return None
    name = sender[:address.start()].replace("[mailto:", "").strip(" <\"'[(")
    return Forwarded(sender=address.group(0).lower(), sender_name=name, subject=subject[:300], how=how)


def attached_forward(raw: bytes) -> Forwarded | None:
    """The sender of an attached message (message/rfc822), from its headers alone."""
    try:
        message: Message = BytesHeaderParser().parsebytes(raw[:_HEADER_PEEK])
        pairs = getaddresses([str(value) for value in message.get_all("from", [])])
        subject = str(message.get("subject", ""))
    except Exception:  # the enclosed headers are as hostile as any: no sender read, not a crash
        return None
    name, address = pairs[0] if pairs else ("", "")
    if "@" not in address:
        return None
    return Forwarded(sender=address.strip().lower(), sender_name=_decoded(name), subject=_decoded(subject)[:300],
                     how="attached")


def _decoded(value: str) -> str:
    text = value[:4096]
    with contextlib.suppress(Exception):  # a broken encoded word stays as it came
        text = str(make_header(decode_header(text)))
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


# Mail services anyone can use: sharing one with a call's address says nothing about who someone works for.
PUBLIC_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.fr", "hotmail.com", "hotmail.fr", "outlook.com",
    "outlook.fr", "live.com", "live.fr", "msn.com", "icloud.com", "me.com", "aol.com", "gmx.com", "gmx.fr",
    "protonmail.com", "proton.me", "yandex.com", "menara.ma", "laposte.net", "orange.fr", "free.fr",
})


def is_staff(address: str, rule: Rule) -> bool:
    """Whether `address` belongs to the call's own organisation: its addresses, their private domain, or
    what the rule lists in `staff`."""
    address = address.lower()
    domain = address.rpartition("@")[2]
    own = {a.rpartition("@")[2] for a in rule.addresses} - PUBLIC_DOMAINS
    listed = {entry.lower().lstrip("@") for entry in rule.staff}
    return address in rule.addresses or domain in own or address in listed or domain in listed


def applicant(mail: ParsedMail, rule: Rule | None) -> tuple[str, str, str]:
    """(address, name, forwarded by) of whom the dossier is from: the original sender when the organisation's
    own staff forwarded it, else the mail's sender."""
    if rule is None or not mail.forwarded or not is_staff(mail.sender, rule):
        return mail.sender, mail.sender_name, ""
    original = next((f for f in mail.forwarded if not is_staff(f.sender, rule)), None)
    if original is None:
        return mail.sender, mail.sender_name, ""
    return original.sender, original.sender_name, mail.sender


def forward_reason(mail: ParsedMail, forwarded_by: str) -> Reason | None:
    """Forwarder and original sender, for the reasons a person reads."""
    if not mail.forwarded:
        return None
    first = mail.forwarded[-1]
    how = "attached" if any(f.how == "attached" for f in mail.forwarded) else "inline"
    original = f"{first.sender_name} <{first.sender}>" if first.sender_name else first.sender
    if forwarded_by:
        return reason(ReasonCode.FORWARDED_BY_STAFF, how=how, by=forwarded_by, sender=original)
    return reason(ReasonCode.FORWARDS_MAIL, how=how, sender=original)
