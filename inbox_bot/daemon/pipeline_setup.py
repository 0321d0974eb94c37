"""The triage pipeline the daemon and the operator commands run, built from the settings and the rules."""

from __future__ import annotations

from inbox_bot.config.settings import Settings
from inbox_bot.core.models import Rule
from inbox_bot.triage.pipeline import Pipeline


def build_pipeline(settings: Settings, rules: dict[str, Rule]) -> Pipeline:
    return Pipeline(rules, settings.limits)
