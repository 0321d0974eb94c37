"""What the drafter found for one field: the value, the line of the call it came from, and any doubt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T", covariant=True)


@dataclass(frozen=True)
class Found(Generic[T]):
    value: T
    evidence: str = ""  # the line of the call, as written
    review: str | None = None  # why a person must check this field before the rule is used

    def doubted(self, reason: str) -> Found[T]:
        return Found(self.value, self.evidence, reason if self.review is None else f"{self.review}; {reason}")
