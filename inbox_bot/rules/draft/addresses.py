"""Where applications go: every address the call gives for them, and none it gives for questions."""

from __future__ import annotations

import re

from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.text import Line, fold

# "nom [at] ong [dot] ma", "nom(at)ong.ma", "nom @ ong.ma": written so robots do not harvest them.
_AT = re.compile(r"\s*(?:\[\s*(?:at|@|arobase)\s*\]|\(\s*(?:at|@|arobase)\s*\)|\{\s*at\s*\}|\s@\s)\s*", re.IGNORECASE)
_DOT = re.compile(r"\s*(?:\[\s*(?:dot|point)\s*\]|\(\s*(?:dot|point)\s*\))\s*", re.IGNORECASE)
# The lookbehind starts a match only at the start of a word: a long run of letters costs one pass, not n².
_ADDRESS = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_QUESTIONS = re.compile(
    r"question|clarification|eclaircissement|renseignement|information|enquir|inquir|استفسار|اسئلة|معلومات"
)
_APPLY = re.compile(
    r"envoy|soumet|soumis|soumission|adress|depos|candidature|dossier|offre|copie|\bcc\b|send|submit|appl"
    r"|proposal|email your|ترسل|ارسال|الترشيح|الملف|نسخة"
)
# What is sent: after "questions", only these words make an address one for applications again.
MAX_ADDRESSES = 100
_APPLYING = re.compile(r"candidature|dossier|offre|application|proposal|\bcv\b|soumission|ترشيح|الملف|العروض")
_SEGMENT_END = re.compile(r"[.;!?](\s|$)")


def unmask(text: str) -> str:
    return _DOT.sub(".", _AT.sub("@", text))


def find_addresses(lines: list[Line]) -> Found[list[str]]:
    kept: dict[str, Line] = {}
    questions: list[str] = []
    written = [(index, match) for index, line in enumerate(lines) for match in _ADDRESS.finditer(unmask(line.text))]
    # More than MAX_ADDRESSES is a list of contacts, not a call: the first ones are enough to review.
    for index, match in written[:MAX_ADDRESSES]:
        line, text = lines[index], match.string
        previous = lines[index - 1].folded if index else ""
        address = match.group(0).lower().rstrip(".")
        if _for_questions(text, match.start(), previous):
            questions.append(address)
        else:
            kept.setdefault(address, line)
    if not kept and questions:
        return Found(sorted(set(questions)), review="the call gives an address for questions only: check it")
    if not kept:
        return Found([], review="no address found in the call: write where applications go")
    evidence = " | ".join(dict.fromkeys(line.evidence() for line in kept.values()))
    return Found(sorted(kept), evidence)


def _for_questions(text: str, start: int, previous: str) -> bool:
    """Whether the words before the address, from the start of its sentence, give it for questions only."""
    before = fold(text[max(0, start - 300) : start])
    segment_start = max((m.end() for m in _SEGMENT_END.finditer(before)), default=0)
    segment = before[segment_start:]
    if segment_start == 0 and not (_QUESTIONS.search(segment) or _APPLY.search(segment)):
        segment = f"{previous} {segment}"  # "à l'adresse suivante :" on the line before
    asked = [m.start() for m in _QUESTIONS.finditer(segment)]
    applied = [m.start() for m in _APPLYING.finditer(segment)]
    return bool(asked) and (not applied or asked[-1] > applied[-1])
