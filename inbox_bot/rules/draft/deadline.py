"""The submission deadline and the late policy, from the call's own words."""

from __future__ import annotations

import re
from datetime import date, datetime

from inbox_bot.core.models import Deadline, LatePolicy
from inbox_bot.core.timezones import MOROCCO
from inbox_bot.rules.draft.dates import DateMention, mentions
from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.text import Line

_OFFSET = re.compile(r"\b(?:gmt|utc)\s?([+-])\s?(\d{1,2})(?::?(\d{2}))?")
_UTC = re.compile(r"\b(?:gmt|utc)\b")
_NAMED = [
    (re.compile(r"heure (de )?paris|paris time|heure francaise"), "Europe/Paris"),
    (re.compile(r"heure (de )?tunis|tunisian? time"), "Africa/Tunis"),
    (re.compile(r"heure (d')?alger|algerian? time"), "Africa/Algiers"),
]
_HOLD = re.compile(
    r"(apres|\blate|en retard|hors delai|tardive).{0,120}(ne seront (prises en consideration|examinees|considerees)"
    r" que|only be considered|considered only|que si|que dans le cas|unless|sous reserve)"
)
_ACCEPT = re.compile(
    r"(tardives?|late applications?|apres (cette|la) date).{0,80}(seront (egalement |aussi )?(acceptees|examinees|"
    r"les bienvenues|considerees)|(are|will be) (also )?(welcome|accepted|considered)|restent recevables)"
)
_REJECT = re.compile(
    r"(apres|late|retard|hors delai|tardive|date limite|deadline|بعد).{0,150}"
    r"(irrecevable|ne (sera|seront) pas|rejet|will not|not be|لن|ترفض)"
)


def find_deadline(lines: list[Line]) -> Found[Deadline | None]:
    found = [m for m in mentions(lines) if m.role == "deadline"]
    if not found:
        return Found(None, review="no submission deadline found in the call: write it by hand")
    chosen, others = _most_precise(found)
    zone = _zone(chosen.line)
    deadline = Found(Deadline(local=chosen.local(), zone=zone), chosen.line.evidence())
    if others:
        deadline = deadline.doubted(f"the call gives different deadlines: {_listed([chosen, *others])}")
    if chosen.weekday is not None and chosen.weekday != chosen.day.weekday():
        deadline = deadline.doubted(f"the weekday written does not match {chosen.day:%d/%m/%Y}")
    return deadline


def _most_precise(found: list[DateMention]) -> tuple[DateMention, list[DateMention]]:
    """The deadline and the mentions that contradict it; the same day with and without a time agree."""
    first = found[0]
    same_day = [m for m in found if m.day == first.day]
    timed = [m for m in same_day if m.clock is not None or m.end_of_day]
    chosen = timed[0] if timed else first
    differing = [m for m in found if m.day != chosen.day or (_timed(m) and m.local() != chosen.local())]
    return chosen, differing


def _listed(found: list[DateMention]) -> str:
    first_lines: dict[str, int] = {}
    for mention in found:
        first_lines.setdefault(_shown(mention.local()), mention.line.number)
    shown = [f"{local} (line {number})" for local, number in sorted(first_lines.items(), key=lambda i: i[1])]
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return f"{', '.join(shown[:5])}{more}; the first one was taken"


def _timed(mention: DateMention) -> bool:
    return mention.clock is not None or mention.end_of_day


def _shown(local: date | datetime) -> str:
    return f"{local:%d/%m/%Y %H:%M}" if isinstance(local, datetime) else f"{local:%d/%m/%Y}"


def _zone(line: Line) -> str:
    if match := _OFFSET.search(line.folded):
        sign, hours, minutes = match.group(1), int(match.group(2)), match.group(3)
        if hours <= 14 and (not minutes or minutes == "00"):
            # IANA's Etc zones count the other way: GMT+1 is Etc/GMT-1.
            return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}" if hours else "UTC"
    if _UTC.search(line.folded):
        return "UTC"
    for pattern, name in _NAMED:
        if pattern.search(line.folded):
            return name
    # "heure locale", "heure du Maroc" or nothing: the organisations we serve are in Morocco.
    return MOROCCO


def find_late_policy(lines: list[Line], deadline: Found[Deadline | None]) -> Found[LatePolicy]:
    for pattern, policy in ((_HOLD, LatePolicy.HOLD), (_ACCEPT, LatePolicy.ACCEPT), (_REJECT, LatePolicy.REJECT)):
        for line in lines:
            if pattern.search(line.folded):
                return Found(policy, line.evidence())
    # A deadline and nothing more is a firm deadline.
    return Found(LatePolicy.REJECT, deadline.evidence, None if deadline.value else "no deadline found")
