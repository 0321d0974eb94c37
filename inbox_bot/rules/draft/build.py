"""A call's text in, a draft rule out: every field with the line it came from, and what to review."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from inbox_bot.core.models import Deadline, DocumentKind, LatePolicy
from inbox_bot.rules.draft.about import find_language, find_organisation, find_reference, find_title
from inbox_bot.rules.draft.addresses import find_addresses
from inbox_bot.rules.draft.criteria import find_criteria
from inbox_bot.rules.draft.deadline import find_deadline, find_late_policy
from inbox_bot.rules.draft.documents import find_documents
from inbox_bot.rules.draft.found import Found
from inbox_bot.rules.draft.own_kinds import DraftedKind
from inbox_bot.rules.draft.own_kinds import slug as kind_slug
from inbox_bot.rules.draft.subject import find_subject
from inbox_bot.rules.draft.text import logical_lines

# Fields in the order the JSON and the TOML give them.
FIELDS = (
    "organisation", "language", "addresses", "subject", "deadline", "late_policy", "required", "optional",
    "max_pages", "criteria", "separate_financial_offer",
)


@dataclass(frozen=True)
class Draft:
    id: str
    title: str
    reference: str
    organisation: Found[str]
    language: Found[str]
    addresses: Found[list[str]]
    subject: Found[str | None]
    deadline: Found[Deadline | None]
    late_policy: Found[LatePolicy]
    required: Found[list[str]]  # built-in kinds' values and the ids of `kinds`
    optional: Found[list[str]]
    max_pages: Found[dict[DocumentKind, int]]
    criteria: Found[list[tuple[str, float]]]
    separate_financial_offer: Found[bool]
    kinds: dict[str, DraftedKind] = field(default_factory=dict)  # the rule's own kinds: [kinds.<id>]
    unmapped: list[str] = field(default_factory=list)  # items of a list that name no document

    def found(self, name: str) -> Found[object]:
        value: Found[object] = getattr(self, name)
        return value

    def review(self) -> dict[str, str]:
        """Field -> why a person must check it."""
        reasons = {name: reason for name in FIELDS if (reason := self.found(name).review)}
        for name in ("required", "optional"):
            listed: Found[list[str]] = self.required if name == "required" else self.optional
            own = [kind for kind in listed.value if kind in self.kinds]
            if own and name not in reasons:
                reasons[name] = (
                    f"kinds of this call's own, drafted from its words: {', '.join(own)}: check their label and words"
                )
        if self.unmapped and "required" not in reasons:
            reasons["required"] = "documents that name none of our kinds: " + " | ".join(self.unmapped[:3])
        return reasons


def draft_call(text: str, rule_id: str | None = None, problem: str | None = None) -> Draft:
    """Draft the rule of a call from its text. `problem` says why the text may be incomplete (a long file cut)."""
    lines = logical_lines(text)
    deadline = find_deadline(lines)
    documents = find_documents(lines)
    addresses = find_addresses(lines)
    subject = find_subject(lines)
    organisation = find_organisation(lines, f"{addresses.value} {subject.value or ''}")
    draft = Draft(
        id=rule_id or suggest_id(organisation.value, deadline.value),
        title=find_title(lines),
        reference=find_reference(lines),
        organisation=organisation,
        language=find_language(lines),
        addresses=addresses,
        subject=subject,
        deadline=deadline,
        late_policy=find_late_policy(lines, deadline),
        required=documents.required,
        optional=documents.optional,
        max_pages=documents.max_pages,
        criteria=find_criteria(lines),
        separate_financial_offer=documents.separate_financial_offer,
        kinds=documents.own,
        unmapped=documents.unmapped,
    )
    return _with_problem(draft, problem) if problem else draft


def _with_problem(draft: Draft, problem: str) -> Draft:
    """Every field not found gets the reason the text may be incomplete."""
    changes = {
        name: draft.found(name).doubted(problem)
        for name in FIELDS
        if draft.found(name).review or not draft.found(name).evidence
    }
    return Draft(**{**draft.__dict__, **changes})


def suggest_id(organisation: str, deadline: Deadline | None) -> str:
    acronym = re.search(r"\(([A-Za-z&]{2,10})\)", organisation)
    words = acronym.group(1) if acronym else " ".join(organisation.split()[:2]) or "appel"
    slug = kind_slug(words).replace("_", "-")  # an Arabic name spelt in Latin letters
    slug = slug if len(slug) > 1 else "appel"
    year = f"-{deadline.local.year}" if deadline is not None else ""
    return f"{slug}{year}"[:64]
