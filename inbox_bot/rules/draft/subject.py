"""The subject line or reference the call imposes on applications, or none."""

from __future__ import annotations

import re

from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.text import Line, fold

_QUOTED = re.compile(r"«\s*([^«»]{2,150}?)\s*»|\"([^\"]{2,150})\"|“([^“”]{2,150})”|‘([^‘’]{2,150})’")
_KEY = re.compile(
    r"\bla mention\b|with the (?:mention|words)\b|\bobjet\b|\bsubject\b|\bsujet\b|reference|\bref\b|intitul"
    r"|الموضوع|المرجع|عنوان"
)
_ASK = re.compile(
    r"mentionn|indiqu|precis|rappel|portant|porter|ecrire|inscri|mettre|quot|mention|includ|stat|\buse\b|\bput\b"
    r"|\bcarr(?:y|ies)\b|\bbear\b"
    r"|\bwith\b|\bavec\b|\ben objet\b|ذكر|كتابة|تحمل|تحت"
)
_UNQUOTED = re.compile(
    r"^(?:[-*•·]\s*)?(?:objet|subject|sujet)(?: (?:du|of the) (?:mail|message|courriel|e-?mail))?\s*:\s*(.{3,100})$"
)
_REFERENCE = re.compile(r"(?:\bref(?:erence)?\b\.?|\bn°)\s*:?\s*([a-z0-9][a-z0-9/_.-]*\d[a-z0-9/_.-]*)")
_AFTER = re.compile(r"\s*(?:(?:in|as) the (?:subject|title)|(?:en|comme|dans l') ?objet|في (?:الموضوع|خانة الموضوع))")
# "Réf. CAND-2026-3 à rappeler dans l'objet du mail": the request after the reference.
_ASKED_AFTER = re.compile(r".{0,20}(?:rappel|mentionn|indiqu|quot|includ|ذكر).{0,40}(?:objet|subject|الموضوع)")
_MAIL = re.compile(r"mail|courriel|message|objet|subject|البريد")


def find_subject(lines: list[Line]) -> Found[str | None]:
    found: list[tuple[str, Line]] = []
    for index, line in enumerate(lines):
        previous = lines[index - 1].folded if index else ""
        found.extend((value, line) for value in _subjects_in(line, previous))
    distinct = list(dict.fromkeys(fold(value) for value, _ in found))
    if not found:
        return Found(None)
    value, line = found[0]
    subject = Found(value, line.evidence())
    if len(distinct) > 1:
        listed = "; ".join(dict.fromkeys(v for v, _ in found))
        subject = subject.doubted(f"the call names more than one subject or reference: {listed}")
    return subject


def _subjects_in(line: Line, previous: str) -> list[str]:
    values = []
    for match in _QUOTED.finditer(line.text):
        before = fold(line.text[: match.start()])[-90:]
        keys = list(_KEY.finditer(before))
        after = fold(line.text[match.end():])[:40]
        if _AFTER.match(after) or (keys and _ASK.search(before) and "," not in before[keys[-1].end():]):
            values.append(next(group for group in match.groups() if group).strip())
    if values:
        return values
    unquoted = _UNQUOTED.match(line.text.lower())
    if unquoted and _MAIL.search(previous + line.folded) and not line.is_heading:
        return [line.text[unquoted.start(1):].strip().rstrip(".")]
    if _ASK.search(line.folded) and (reference := _REFERENCE.search(line.folded)):
        start = reference.start(1)
        asked = re.search(r"mentionn|indiqu|rappel|quot|mention|precis|ذكر", line.folded[:start])
        after = line.folded[reference.end(1):]
        if asked or _AFTER.match(after) or _ASKED_AFTER.match(after):
            return [line.text[start : reference.end(1)].rstrip(".").upper()]
    return []
