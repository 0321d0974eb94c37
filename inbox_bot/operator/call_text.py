"""The text of a call for applications as the coordinator saved it: .txt, .md, .html, .pdf, .docx, .odt.

The drafter (inbox_bot.rules.draft) takes text only; reading a file needs triage's extraction, which the
rules layer may not import, so it is read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inbox_bot.core.errors import UsageError
from inbox_bot.core.wording import render
from inbox_bot.triage.extract import Limits, extract_text

# A call is read whole, unlike an attachment; a 200-page document is cut here and the draft says so.
MAX_PAGES = 60
MAX_CHARS = 200_000
_FAMILIES = {".pdf": "pdf", ".docx": "docx", ".odt": "odt"}


@dataclass(frozen=True)
class CallText:
    text: str
    problem: str | None  # why the text may be incomplete: the draft marks what it did not find with it


def read_call(path: Path) -> CallText:
    """The call's text; UsageError (exit 2) only for a file that cannot be read at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the call: {exc.strerror}", fix="give the path of a saved call") from exc
    family = _FAMILIES.get(path.suffix.lower(), "text")
    extracted = extract_text(family, data, Limits(pages=MAX_PAGES, chars=MAX_CHARS))
    if extracted.problem:
        said = render(extracted.problem.with_file(str(path)), "en")  # a command's error: English, as the CLI's
        raise UsageError(said, fix="save the call as .docx, .odt, .pdf with text, or .txt")
    problem = None
    if not extracted.text.strip():
        problem = "no text could be read from the call (a scanned document?): copy its text into a .txt file"
    elif extracted.pages and extracted.pages > MAX_PAGES:
        problem = f"only the first {MAX_PAGES} of {extracted.pages} pages were read"
    elif len(extracted.text) >= MAX_CHARS:
        problem = f"only the first {MAX_CHARS} characters were read"
    return CallText(extracted.text, problem)
