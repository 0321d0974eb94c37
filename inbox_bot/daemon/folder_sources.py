"""Folder sources (Maildirs, mbox files, folders of .eml): read each, record every mail not yet recorded."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import RawMail, TriageResult
from inbox_bot.daemon.recording import Origin, record_mail
from inbox_bot.sources.files import read_paths
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import Pipeline, in_order_of_receipt

log = logging.getLogger(__name__)


@dataclass
class RunReport:
    recorded: list[TriageResult] = field(default_factory=list)
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(result.verdict.value for result in self.recorded)


def record_all(
    pipeline: Pipeline, store: Store, mails: Iterable[RawMail], report: RunReport, origin: Origin | None = None
) -> None:
    for raw in in_order_of_receipt(mails):
        try:
            triaged = record_mail(pipeline, store, raw, origin)
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
        record_all(pipeline, store, mails, report, Origin(source.name, str(source.path)))
    return report
