"""Which scans are worth reading by OCR, once the call and the dossier are known (issue #17). Pure.

OCR costs seconds a page where a text layer costs milliseconds, so a document without a usable text layer is
read by OCR unless its kind is already certain from its name AND the dossier does not need it:

- a name that says no kind, or several ("scan0001.pdf", "WhatsApp Image ....jpeg", "Offre technique et
  financière.jpg"): read, only the text can tell what it is;
- a name that says one kind (a built-in one, or one of the rule's own kinds), while the dossier (what the
  store holds, and this mail's files by what their names say) still lacks a kind the rule requires: read, the
  missing document may be on it ("CV.jpg" photographed beside the CIN, a misnamed certificate);
- such a name, and nothing missing (or no call to complete): not read, the name is enough.

The pipeline asks this after the named files are classified and the call matched, and again after each round
of OCR (what OCR read may name the call, or change what is missing); a file is never read twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from inbox_bot.core.models import Attachment, ClassifiedDocument, DossierSoFar, Rule
from inbox_bot.triage.classify import kind_from_name
from inbox_bot.triage.decide import missing_kinds
from inbox_bot.triage.own_kinds import named_own_kinds


def ocr_wanted(
    attachments: Sequence[Attachment],
    documents: Sequence[ClassifiedDocument],
    rule: Rule | None,
    so_far: DossierSoFar,
    waits: Callable[[Attachment], bool],
) -> set[int]:
    """The indexes of `attachments` (classified as `documents`, same order) to read by OCR now; `waits` says
    which have no usable text layer and were not read by OCR yet."""
    waiting = [index for index, attachment in enumerate(attachments) if waits(attachment)]
    if not waiting:
        return set()
    needed = rule is not None and bool(missing_kinds(rule, so_far, documents))
    return {index for index in waiting if needed or not certain_from_name(attachments[index].filename, rule)}


def certain_from_name(filename: str, rule: Rule | None) -> bool:
    """Whether a file's name alone says its kind: one built-in kind, or one of the rule's own kinds."""
    return kind_from_name(filename) is not None or bool(rule and named_own_kinds(filename, rule))
