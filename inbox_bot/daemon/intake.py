"""Takes mail from the configured sources, triages it and records it: the job `run --once` does.

Recording comes before anything else is done to a mail, and a mail already recorded (same bytes) is skipped,
so running twice records nothing twice and a run interrupted at any point is safe to start again.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import RawMail, Rule, TriageResult
from inbox_bot.sources.files import read_paths
from inbox_bot.storage.store import Store
from inbox_bot.triage.attachments import ArchiveLimits
from inbox_bot.triage.mimescan import MailLimits
from inbox_bot.triage.pipeline import Pipeline, Triaged, in_order_of_receipt
from inbox_bot.triage.sandbox import ExtractLimits

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    recorded: list[TriageResult] = field(default_factory=list)
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(result.verdict.value for result in self.recorded)


def archive_limits(settings: Settings) -> ArchiveLimits:
    archives = settings.limits.archives
    return ArchiveLimits(
        max_total_uncompressed=archives.max_total_uncompressed_mb * 1024 * 1024,
        max_ratio=archives.max_ratio,
        max_members=archives.max_members,
        max_depth=archives.max_depth,
        max_member_size=archives.max_member_mb * 1024 * 1024,
    )


def mail_limits(settings: Settings) -> MailLimits:
    limits = settings.limits
    return MailLimits(
        max_mail_bytes=int(limits.max_mail_mb * 1024 * 1024),
        max_parts=limits.max_mime_parts,
        max_depth=limits.max_mime_depth,
        max_header_bytes=limits.max_header_kb * 1024,
        max_attempts=limits.max_attempts,
    )


def build_pipeline(settings: Settings, rules: dict[str, Rule]) -> Pipeline:
    extraction = settings.limits.extraction
    return Pipeline(
        rules,
        archive_limits(settings),
        mail_limits=mail_limits(settings),
        extraction=ExtractLimits(
            timeout_s=extraction.timeout_s, memory_mb=extraction.memory_mb, mail_budget_s=extraction.mail_budget_s
        ),
    )


def triage_counted(pipeline: Pipeline, store: Store, raw: RawMail) -> Triaged:
    """Triage a mail, counting the try first (committed) so that a mail that kills the process is not retried
    forever: after `max_attempts` tries that did not end recorded, it is quarantined without being read."""
    failed = store.attempts(raw.sha256)
    if failed >= pipeline.mail_limits.max_attempts:
        return pipeline.quarantined(raw, f"quarantined after {failed} failed attempts")
    store.begin_attempt(raw.sha256, raw.source)
    return pipeline.triage(raw, store)


def record_mail(
    pipeline: Pipeline,
    store: Store,
    raw: RawMail,
    *,
    triaged: Triaged | None = None,
    also: Callable[[int], None] | None = None,
) -> Triaged | None:
    """Triage and record one mail unless its bytes are already recorded; None when it was.

    `triaged` is given when the caller already triaged the mail; `also` is work committed in the same
    transaction as the mail (its ledger row, the reply to send).
    """
    if store.mail_id_by_hash(raw.sha256) is not None:
        return None
    if triaged is None:
        triaged = triage_counted(pipeline, store, raw)

    def and_clear_attempts(mail_id: int) -> None:  # recorded: the tries are over, in the same transaction
        store.clear_attempts(raw.sha256)
        if also is not None:
            also(mail_id)

    store.record(raw, triaged.result, triaged.attachments, also=and_clear_attempts)
    return triaged


def record_all(pipeline: Pipeline, store: Store, mails: Iterable[RawMail], report: RunReport) -> None:
    for raw in in_order_of_receipt(mails):
        try:
            triaged = record_mail(pipeline, store, raw)
        except Exception as exc:  # storage failed for this mail: say so, keep going, retry next run
            log.exception("%s: could not be recorded", raw.source)
            report.failures.append(f"{raw.source}: {type(exc).__name__}: {exc}")
            with contextlib.suppress(Exception):  # the store may be what failed
                store.attempt_failed(raw.sha256, f"{type(exc).__name__}: {exc}")
            continue
        if triaged is None:
            report.skipped += 1
        else:
            report.recorded.append(triaged.result)


def run_folder_sources(settings: Settings, pipeline: Pipeline, store: Store) -> RunReport:
    report = RunReport()
    for source in settings.sources:
        try:
            mails = list(read_paths([source.path]))
        except Exception as exc:
            log.error("source %s: %s", source.name, exc)
            report.failures.append(f"source {source.name}: {exc}")
            continue
        record_all(pipeline, store, mails, report)
    return report
