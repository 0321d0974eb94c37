"""Every date a call mentions, with the time and zone beside it and the role its clause gives it.

A call names many dates: when it was published, when questions close, when bids are opened, when the
mission starts. Only the submission deadline may become the rule's deadline, so each date is judged by the
words of its own clause: a date in a clause about questions, opening, selection or the start of the mission
is never taken, whatever else the clause says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from inbox_bot.core.months import MONTHS, WEEKDAYS, alternation
from inbox_bot.rules.draft.text import Line

_MONTH = alternation(MONTHS)
_WEEKDAY = alternation(WEEKDAYS)
_DATES = [
    ("dmy", re.compile(r"(?<!\d)(\d{1,2})\s?[/.-]\s?(\d{1,2})\s?[/.-]\s?(\d{4})(?!\d)")),
    ("iso", re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")),
    (
        "text",
        re.compile(rf"(?:({_WEEKDAY}),?\s+)?(\d{{1,2}})(?:er|st|nd|rd|th|e)?\s+(?:de\s+)?({_MONTH})\.?,?\s+(\d{{4}})"),
    ),
    ("mdy", re.compile(rf"(?:({_WEEKDAY}),?\s+)?({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})")),
]
# "5:00 pm" before "16h00": the am/pm form is tried first, or "11:59 pm" would read as 11:59.
_CLOCK = re.compile(
    r"(?<![\d/.])(?:(\d{1,2})(?::(\d{2}))?\s?([ap])\.?m\b|(\d{1,2})\s?(?:h|:|heures?\b)\s?(\d{2})?(?!\d))"
)
_NOON = re.compile(r"\bmidi\b|\bnoon\b|الزوال|زوالا")
_MIDNIGHT = re.compile(r"\bminuit\b|\bmidnight\b|منتصف الليل")
# "على الساعة الخامسة مساء": the hour in words, then the part of the day.
_AR_HOURS = {
    "الواحدة": 1, "الثانية": 2, "الثالثة": 3, "الرابعة": 4, "الخامسة": 5, "السادسة": 6, "السابعة": 7,
    "الثامنة": 8, "التاسعة": 9, "العاشرة": 10, "الحادية عشرة": 11, "الحادية عشر": 11, "الثانية عشرة": 12,
    "الثانية عشر": 12,
}
_AR_CLOCK = re.compile(
    r"الساعة\s+(" + "|".join(sorted(_AR_HOURS, key=len, reverse=True)) + r")(\s+والنصف|\s+والربع)?"
    r"(?:\s+(مساء|مساءا|مساءً|ليلا|بعد الزوال|بعد الظهر|صباحا|صباحًا))?"
)
_AR_EVENING = ("مساء", "مساءا", "مساءً", "ليلا", "بعد الزوال", "بعد الظهر")
MAX_MENTIONS = 200
CONTEXT_BEFORE = 200
CONTEXT_AFTER = 120
_CLAUSE_END = re.compile(r"[;!?]|\.\s|\s[-–]\s")

_QUESTIONS = re.compile(
    r"question|clarification|eclaircissement|renseignement|demandes? d'information|enquir|inquir"
    r"|استفسار|اسئلة|أسئلة"
)
_OTHER_ROLES = re.compile(
    r"ouverture|opening|debut|demarr|commenc|prise de fonction|entree en fonction|\bstart|\bbegin"
    r"|تبدأ|يبدأ|بداية|انطلاق"
    r"|selection|entretien|interview|shortlist|resultat|notifi|announce|مقابلة|انتقاء"
    r"|publi|lance le|posted|issued|date de l'(avis|appel)|fait a |تاريخ النشر"
    r"|duree|periode|aura lieu|se tiendr|takes place|will be held|visite|atelier|workshop|signature du contrat"
)
_FIRM = re.compile(r"date limite|deadline|closing date|dernier delai|اخر اجل|آخر أجل|الاجل الاقصى")
_SUBMISSION = re.compile(
    r"depot|soumi|submi|envoy|candidature|offres|dossiers?|reception|applications?|proposals?|ترسل|ارسال|الترشيح|الملفات|العروض"
)
_DEADLINE_WORDS = re.compile(
    r"au plus tard|avant le|avant \d|jusqu'|no later than|not later than|\bby\b|\bbefore\b|\buntil\b|cloture"
    r"|\bdelai|اجل|قبل|موعد|" + _FIRM.pattern + "|" + _SUBMISSION.pattern
)


@dataclass(frozen=True)
class DateMention:
    line: Line
    day: date
    clock: time | None  # the time written beside the date; None for a date alone
    end_of_day: bool  # "minuit", "23h59": the whole day counts
    weekday: int | None  # the weekday the call writes beside the date, if any
    role: str  # "deadline", "questions", "other" (opening, start, selection...), "none"

    def local(self) -> date | datetime:
        if self.end_of_day or self.clock is None:
            return self.day
        stamp = datetime.combine(self.day, self.clock)
        # "à 16h59": that minute still counts, so the first late instant is the next one.
        return stamp + timedelta(minutes=1) if self.clock.minute == 59 else stamp


def mentions(lines: list[Line]) -> list[DateMention]:
    """The dates of the call, the first MAX_MENTIONS of them: a real call names a few dozen at most."""
    found: list[DateMention] = []
    for index, line in enumerate(lines):
        if len(found) >= MAX_MENTIONS:
            break
        previous = lines[index - 1].folded if index else ""
        for start, end, day, weekday in _dates_in(line.folded):
            clock, end_of_day = _clock_near(line.folded, start, end)
            role = _role(line.folded, start, end, previous)
            found.append(DateMention(line, day, clock, end_of_day, weekday, role))
    return found


def _dates_in(text: str) -> list[tuple[int, int, date, int | None]]:
    found: list[tuple[int, int, date, int | None]] = []
    taken = bytearray(len(text) + 1)  # where a date was already read, by an earlier pattern
    for kind, pattern in _DATES:
        for match in pattern.finditer(text):
            if taken[match.start()]:
                continue
            taken[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
            parsed = _parse(kind, match)
            if parsed is not None:
                found.append((match.start(), match.end(), *parsed))
    return sorted(found, key=lambda item: item[0])


def _parse(kind: str, match: re.Match[str]) -> tuple[date, int | None] | None:
    groups = match.groups()
    weekday = None
    if kind == "dmy":
        day, month, year = int(groups[0]), int(groups[1]), int(groups[2])
    elif kind == "iso":
        year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
    elif kind == "text":
        weekday = WEEKDAYS.get(groups[0]) if groups[0] else None
        day, month, year = int(groups[1]), MONTHS[groups[2]], int(groups[3])
    else:
        weekday = WEEKDAYS.get(groups[0]) if groups[0] else None
        month, day, year = MONTHS[groups[1]], int(groups[2]), int(groups[3])
    try:
        return date(year, month, day), weekday
    except ValueError:
        return None


def _clock_near(text: str, start: int, end: int) -> tuple[time | None, bool]:
    after = text[end : end + 50]
    next_date = re.search(r"\d{1,2}\s?[/.-]\s?\d{1,2}\s?[/.-]\s?\d{4}|\b\d{4}\b", after)
    after = after[: next_date.start()] if next_date else after
    before = text[max(0, start - 30) : start]
    for window in (after, before):
        if _MIDNIGHT.search(window):
            return None, True
        if _NOON.search(window):
            return time(12, 0), False
        clocks = list(_CLOCK.finditer(window))
        if clocks:
            return _read_clock(clocks[0] if window is after else clocks[-1])
        if words := _AR_CLOCK.search(window):
            return _read_arabic_clock(words), False
    return None, False


def _read_arabic_clock(match: re.Match[str]) -> time:
    hour = _AR_HOURS[match.group(1)]
    minute = {None: 0, "والنصف": 30, "والربع": 15}[(match.group(2) or "").strip() or None]
    if match.group(3) in _AR_EVENING and hour < 12:
        hour += 12
    return time(hour, minute)


def _read_clock(match: re.Match[str]) -> tuple[time | None, bool]:
    if match.group(4) is not None:
        hour, minute = int(match.group(4)), int(match.group(5) or 0)
    else:
        hour, minute = int(match.group(1)) % 12, int(match.group(2) or 0)
        hour += 12 if match.group(3) == "p" else 0
    if hour == 24 and minute == 0:
        return None, True
    if hour > 23 or minute > 59:
        return None, False
    return time(hour, minute), hour == 23 and minute == 59


def _role(text: str, start: int, end: int, previous: str) -> str:
    window = max(0, start - CONTEXT_BEFORE)
    clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, window, start)), default=0)
    after = _CLAUSE_END.search(text, end)
    # The words that give a date its role stand near it: a bounded window keeps each search short.
    clause_start = max(clause_start, start - CONTEXT_BEFORE)
    clause_end = min(after.start() if after else len(text), end + CONTEXT_AFTER)
    context = text[clause_start:start] + " " + text[end:clause_end]
    role = _role_of(context)
    if role == "none" and start - clause_start < 25 and clause_start == 0:
        role = _role_of(f"{previous} {context}")  # "Date limite :" as a heading, the date on the next line
    return role


def _role_of(context: str) -> str:
    if _QUESTIONS.search(context):
        return "questions"
    if _FIRM.search(context) and _SUBMISSION.search(context):
        return "deadline"
    if _OTHER_ROLES.search(context):
        return "other"
    return "deadline" if _DEADLINE_WORDS.search(context) else "none"
