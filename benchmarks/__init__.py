"""Benchmarks of inbox-bot against its physical limit: `python -m benchmarks.run` (see docs/benchmarks.md)."""
