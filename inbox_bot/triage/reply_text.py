"""What the writer of a reply wrote herself: the lines above what her mail client quoted. Pure.

Mail clients put the mail answered under the answer in their own ways: `> ` before each line (Thunderbird,
Gmail's text part), an attribution line first ("Le 4 déc. 2026 à 08:00, inbox-bot <bot@x> a écrit :", which
Gmail wraps over two lines; "On ... wrote:"), a block of headers (Outlook: "De : ... Envoyé : ... À : ...
Objet :"), a separator ("-----Original Message-----", "-------- Message transféré --------"). A signature starts
at "-- ". Everything from the first of these on is not hers, so a digest quoted below is never read as commands.
"""

from __future__ import annotations

import re
import unicodedata

ATTRIBUTION_END = re.compile(r"(a\s+[eé]crit|wrote|schrieb|كتب)\s*:?\s*$", re.IGNORECASE)
ATTRIBUTION_START = re.compile(r"^(le|on|el|am)\s", re.IGNORECASE)
SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|message d'origine|forwarded message|message transf[eé]r[eé]|"
    r"mensaje original)\s*-{2,}|_{10,}|d[eé]but du message r[eé]exp[eé]di[eé]\s*:?|begin forwarded message\s*:?)\s*$",
    re.IGNORECASE,
)
HEADER_LINE = re.compile(r"^\s*\*?(de|from|envoy[eé]|sent|date|[àa]|to|objet|subject|cc)\s*\*?\s*:", re.IGNORECASE)
OUTLOOK_FROM = re.compile(r"^\*?(de|from)\s*\*?\s*:", re.IGNORECASE)
SIGNATURE = re.compile(r"^--\s?$")
ATTRIBUTION_SPAN = 3  # Gmail wraps a long attribution: its start and its "a écrit :" may be lines apart
HEADER_BLOCK = 2  # "De :" followed by another header line within this many lines: Outlook's quoted headers


def own_lines(body: str) -> list[str]:
    """The lines the writer wrote, in order, before any quoted mail or signature; quoted lines left out."""
    lines = unicodedata.normalize("NFC", body.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    kept: list[str] = []
    for number, line in enumerate(lines):
        if _quote_starts(lines, number):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return kept


def _quote_starts(lines: list[str], number: int) -> bool:
    line = lines[number].strip()
    if SIGNATURE.match(lines[number].rstrip("\n")) or SEPARATOR.match(line):
        return True
    if ATTRIBUTION_END.search(line) or (ATTRIBUTION_START.match(line) and _ends_within(lines, number)):
        return True
    if OUTLOOK_FROM.match(line):
        following = lines[number + 1 : number + 1 + HEADER_BLOCK]
        return any(HEADER_LINE.match(other) for other in following)
    return False


def _ends_within(lines: list[str], number: int) -> bool:
    """An attribution wrapped over a few lines: one of them, up to the span, ends with "a écrit :"."""
    return any(ATTRIBUTION_END.search(other.strip()) for other in lines[number : number + ATTRIBUTION_SPAN])
