"""Selection criteria and their weights, in the call's order."""

from __future__ import annotations

import re

from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.text import Line

_INTRO = re.compile(
    r"criteres? (de selection|d'evaluation|d'attribution|de notation)|grille d'evaluation"
    r"|(selection|evaluation|award) criteria"
    r"|معايير|سلم التنقيط"
)
_WEIGHT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*(%|points?\b|pts\b|نقطة|نقاط)")
_BULLET = re.compile(r"^\s*(?:[-*•·▪|]|\d{1,2}\s*[.)-](?!\d)|[a-z]\))\s*")


def find_criteria(lines: list[Line]) -> Found[list[tuple[str, float]]]:
    for index, line in enumerate(lines):
        if _INTRO.search(line.folded):
            criteria, evidence = _read_after(lines, index)
            if criteria:
                return _checked(criteria, evidence)
    return Found([])


def _read_after(lines: list[Line], index: int) -> tuple[list[tuple[str, float]], list[str]]:
    criteria: list[tuple[str, float]] = []
    evidence: list[str] = []
    for line in lines[index : index + 20]:
        text = line.text
        if intro := _INTRO.search(line.folded):
            text = text[intro.end():].partition(":")[2]  # "Critères d'attribution : qualité technique 60% ; prix 40%"
        pieces = [piece for piece in re.split(r"[;|]", text) if piece.strip()]
        found = [c for piece in _pieces(pieces) if (c := _criterion(piece)) is not None]
        if not found and criteria and not _INTRO.search(line.folded):
            break
        criteria.extend(found)
        if found:
            evidence.append(line.evidence())
    return criteria, evidence


def _pieces(pieces: list[str]) -> list[str]:
    # A table row "Offre financière | 30%" is one criterion over two cells: join a weight to its name.
    if len(pieces) == 2 and sum(bool(_WEIGHT.fullmatch(p.strip())) for p in pieces) == 1:
        return [" ".join(pieces)]
    return pieces


def _criterion(piece: str) -> tuple[str, float] | None:
    weight = _WEIGHT.search(piece)
    if weight is None:
        return None
    name = (piece[: weight.start()] + " " + piece[weight.end():]).strip()
    name = _BULLET.sub("", name)
    name = re.split(r"\s\(|\s*:\s|\s[-–]\s|\.\s", name)[0].strip(" :-–.,")
    value = float(weight.group(1).replace(",", "."))
    if not name or len(name) > 80 or not 0 < value <= 100:
        return None
    return name, value


def _checked(criteria: list[tuple[str, float]], evidence: list[str]) -> Found[list[tuple[str, float]]]:
    found = Found(criteria, " | ".join(evidence))
    total = sum(weight for _, weight in criteria)
    if abs(total - 100) > 0.01:
        found = found.doubted(f"the weights add up to {total:g}, not 100")
    return found
