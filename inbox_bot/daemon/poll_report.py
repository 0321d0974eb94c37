"""What one poll of one mailbox did, for the scheduler's log line and `run --once`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PollReport:
    mailbox: str
    new: int = 0
    recorded: int = 0
    linked: int = 0
    filed: int = 0
    errors: list[str] = field(default_factory=list)
