"""The labelled corpus of dossiers as applicants assemble them (issue #12): see scenarios.py."""

from __future__ import annotations

import functools

from tests.corpus.forwarded import own_forwards, staff_forwards
from tests.corpus.noise import shared_address_noise
from tests.corpus.scenarios import Case, alcis, cabinets, hakamas, officers, oxfams


@functools.cache
def all_cases() -> tuple[Case, ...]:
    """Every mail of the corpus with its label; built once per process (about ten seconds)."""
    return (*officers(), *cabinets(), *oxfams(), *hakamas(), *alcis(), *staff_forwards(), *own_forwards(),
            *shared_address_noise())
