"""Which documents a file holds, page by page: a combined file ("Offre technique et financière.pdf", a CV
followed by its cover letter, a whole dossier scanned into one PDF) holds several.

Pure: it is given the text (pages separated by extract.PAGE_BREAK) and a scorer of one page, and returns the
kinds it found with their pages and evidence. A page is given a kind only on clear evidence (PAGE_MIN_SCORE,
and strictly ahead of the runner-up); a page without one (a second page of a CV, a page of figures) belongs
to the document it follows, or to the first one when it opens the file. The work is bounded by the text,
which extraction already caps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from inbox_bot.core.models import KindFound

PAGE_BREAK = "\f"  # as extract.PAGE_BREAK: classify must not import the readers of hostile files
PAGE_MIN_SCORE = 4  # one telling phrase and a hint: a note that mentions "offre financière" once is no offer
_SHOWN = 3


@dataclass(frozen=True)
class PageScore:
    kind: str
    score: int
    phrases: tuple[str, ...]  # strongest first


# A page's text (folded) -> its candidate kinds with their scores, best first
Scorer = Callable[[str], list[PageScore]]


def split_pages(text: str) -> list[str]:
    return text.split(PAGE_BREAK)


def kinds_by_page(pages: list[str], score: Scorer) -> list[KindFound]:
    """The kinds a file's pages hold, in the order they first appear; empty when fewer than two pages read."""
    if sum(1 for page in pages if page.strip()) < 2:
        return []
    found: dict[str, tuple[list[int], list[str]]] = {}
    current: str | None = None
    waiting: list[int] = []  # read pages with no clear kind before the first one that has one
    for number, page in enumerate(pages, start=1):
        best = _page_kind(page, score)
        if best is None:
            if current is not None and page.strip():
                found[current][0].append(number)  # a page of figures, a CV's second page: the same document
            elif page.strip():
                waiting.append(number)
            continue
        pages_of, phrases = found.setdefault(best.kind, ([], []))
        pages_of.extend([*waiting, number])
        waiting, current = [], best.kind
        phrases.extend(p for p in best.phrases if p not in phrases)
    return [KindFound(kind=kind, pages=sorted(numbers), evidence=_evidence(phrases))
            for kind, (numbers, phrases) in found.items()]


def _page_kind(page: str, score: Scorer) -> PageScore | None:
    if not page.strip():
        return None
    ranked = score(page)
    if not ranked or ranked[0].score < PAGE_MIN_SCORE:
        return None
    if len(ranked) > 1 and ranked[1].score == ranked[0].score:
        return None  # a page that reads as two kinds at once tells neither
    return ranked[0]


def _evidence(phrases: list[str]) -> list[str]:
    return [f"'{phrase}'" for phrase in phrases[:_SHOWN]]


def page_span(numbers: list[int]) -> str:
    """Pages as a reader writes them: "p. 1-3, 7"."""
    spans: list[str] = []
    start = previous = numbers[0]
    for number in [*numbers[1:], -1]:
        if number == previous + 1:
            previous = number
            continue
        spans.append(f"{start}-{previous}" if previous > start else str(start))
        start = previous = number
    return "p. " + ", ".join(spans)
