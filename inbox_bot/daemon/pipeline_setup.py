"""The triage pipeline the daemon and the operator commands run, built from the settings and the rules."""

from __future__ import annotations

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Rule
from inbox_bot.triage.attachments import ArchiveLimits
from inbox_bot.triage.mimescan import MailLimits
from inbox_bot.triage.pipeline import Pipeline
from inbox_bot.triage.sandbox import ExtractLimits


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
