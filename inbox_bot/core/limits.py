"""What a mail, an archive and the reading of a file may cost: the `[limits]` settings, as triage uses them.

The operator writes sizes in MB or KB; the byte counts triage compares against are derived here, once.
"""

from __future__ import annotations

import os
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

KB = 1024
MB = 1024 * KB


class _Section(BaseModel):
    # Frozen, hence hashable: one sandbox worker is shared by every pipeline with the same extraction limits.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchiveLimits(_Section):
    """`[limits.archives]`: how much a zip (or a zip-based document) may unpack to before it is refused as a bomb.

    Counts and sizes are for one attachment and everything nested in it; depth 1 is the attached zip itself.
    """

    max_total_uncompressed_mb: Annotated[int, Field(gt=0)] = 200
    max_ratio: Annotated[int, Field(gt=1)] = 100
    max_members: Annotated[int, Field(gt=0)] = 200
    max_depth: Annotated[int, Field(ge=0)] = 2  # 0: no archive is opened
    max_member_mb: Annotated[int, Field(gt=0)] = 50

    @property
    def max_total_uncompressed(self) -> int:
        return self.max_total_uncompressed_mb * MB

    @property
    def max_member_size(self) -> int:
        return self.max_member_mb * MB


class ExtractionLimits(_Section):
    """`[limits.extraction]`: reading the text of one attached file, in a separate worker process."""

    # Real dossiers read in well under a second with under 100 MB resident (benchmarks/corpus.py): these leave
    # room for a heavy real file while a hostile one is stopped within seconds.
    timeout_s: Annotated[float, Field(gt=0)] = 15.0  # one file
    memory_mb: Annotated[int, Field(ge=256)] = 512  # address space of the worker (RLIMIT_AS), libraries included
    mail_budget_s: Annotated[float, Field(gt=0)] = 60.0  # all the files of one mail (a zip may hold 200)
    # Workers reading at once, each under the limits above; 0: one per core of the machine (os.cpu_count()).
    workers: Annotated[int, Field(ge=0, le=64)] = 0

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1


class Limits(_Section):
    """`[limits]`: how big and how intricate a mail may be before it is refused unparsed (needs_review)."""

    max_mail_mb: Annotated[float, Field(gt=0)] = 40.0
    max_mime_parts: Annotated[int, Field(gt=0)] = 5000
    max_mime_depth: Annotated[int, Field(gt=0)] = 50
    max_header_kb: Annotated[int, Field(gt=0)] = 256  # one header block: the mail's or a part's
    max_attempts: Annotated[int, Field(gt=0)] = 3  # tries before a mail that keeps failing is quarantined
    # A mail this large is written to a file while it is fetched, and read from there: never held whole
    spool_from_mb: Annotated[float, Field(gt=0)] = 2.0
    archives: ArchiveLimits = ArchiveLimits()
    extraction: ExtractionLimits = ExtractionLimits()

    @property
    def max_mail_bytes(self) -> int:
        return int(self.max_mail_mb * MB)

    @property
    def spool_from_bytes(self) -> int:
        return int(self.spool_from_mb * MB)

    @property
    def max_header_bytes(self) -> int:
        return self.max_header_kb * KB


DEFAULT_LIMITS = Limits()
