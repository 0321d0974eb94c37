"""A call's text as logical lines: wrapped lines joined, each kept as written and folded for matching."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Arabic-Indic (U+0660) and Eastern Arabic-Indic (U+06F0) digits, as ASCII digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_BULLET = re.compile(r"^\s*(?:[-*•·▪➢►◦o]|\d{1,2}\s*[.)-](?!\d)|[a-z]\))\s+")
_HEADING = re.compile(r"^\s*(?:#+\s|(?:\d{1,2}|[IVX]{1,4})\s*[.)-]\s*\S)")
_ENDS_SENTENCE = re.compile(r"[.:;!?»)\]]\s*$")
_BEFORE_A_DATE = re.compile(r"\b(le|du|au|avant|before|by|on|until|jusqu'au|à)$", re.IGNORECASE)
EVIDENCE_CHARS = 240
MAX_LINE = 2000


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the call as read
    text: str  # as written, whitespace collapsed
    folded: str  # lower case, without accents, straight quotes: what patterns are matched against

    @property
    def is_item(self) -> bool:
        return bool(_BULLET.match(self.text))

    @property
    def is_heading(self) -> bool:
        return bool(_HEADING.match(self.text)) and len(self.text) < 100

    def evidence(self) -> str:
        text = self.text
        return text if len(text) <= EVIDENCE_CHARS else text[: EVIDENCE_CHARS - 1] + "…"


def fold(text: str) -> str:
    # Latin accents go (U+0300-036F); Arabic hamza and marks stay, so Arabic patterns are written as typed.
    text = unicodedata.normalize("NFD", text.translate(_DIGITS))
    text = unicodedata.normalize("NFC", "".join(c for c in text if not "\u0300" <= c <= "\u036f"))
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return " ".join(text.lower().split())


def clean(text: str) -> str:
    """Arabic-Indic digits as ASCII, whitespace collapsed: the text values are taken from."""
    return " ".join(text.translate(_DIGITS).replace("\u00a0", " ").split())


def logical_lines(text: str) -> list[Line]:
    """Lines of the call; a line cut in the middle of a sentence (PDF, fixed width) is joined to the next."""
    # Pieces are gathered first and folded once: re-folding a growing line at each join would cost n².
    gathered: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        value = clean(raw)
        if not value:
            continue
        if gathered and _continues(gathered[-1][1][-1], value):
            gathered[-1][1].append(value)
        else:
            gathered.append((number, [value]))
    lines = []
    for number, pieces in gathered:
        for chunk in _chunks(" ".join(pieces)):
            lines.append(Line(number, chunk, fold(chunk)))
    return lines


def _chunks(text: str) -> list[str]:
    """A line no longer than MAX_LINE: no sentence is that long, and each search stays linear in the call."""
    chunks = []
    while len(text) > MAX_LINE:
        cut = text.rfind(" ", MAX_LINE // 2, MAX_LINE)
        cut = cut if cut > 0 else MAX_LINE
        chunks.append(text[:cut])
        text = text[cut:].lstrip()
    return [*chunks, text] if text else chunks


def _continues(previous: str, current: str) -> bool:
    if _ENDS_SENTENCE.search(previous) or _BULLET.match(current) or _HEADING.match(current):
        return False
    # "appels [at] amej" then "[dot] ma": an address a PDF wrapped.
    wrapped = current[0] in "[(@" or previous[-1] == "@"
    return current[0].islower() or wrapped or (current[0].isdigit() and bool(_BEFORE_A_DATE.search(previous)))
