"""The daemon: APScheduler runs a poll job per mailbox, plus the reply sender and the digest when configured.

Polls of one mailbox never overlap (max_instances=1) and a late run is coalesced; a failing mailbox is retried
with backoff and never stops the others; SIGTERM/SIGINT finish the mail in hand, then stop; SIGHUP, or a change
to a rule file, reloads the rules (a broken rule file keeps the last good rules in force).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from inbox_bot.config.secrets import check_secrets, read_credential
from inbox_bot.config.settings import MailboxSettings, Settings
from inbox_bot.core.errors import ConfigError, InboxBotError
from inbox_bot.core.models import Rule
from inbox_bot.core.reasons import Action
from inbox_bot.core.timezones import MOROCCO, zone
from inbox_bot.daemon.commands import CommandRouter
from inbox_bot.daemon.folder_sources import RunReport, run_folder_sources
from inbox_bot.daemon.pipeline_setup import build_pipeline
from inbox_bot.daemon.poll_report import PollReport
from inbox_bot.daemon.poller import MailboxPoller, ReplyPlanner
from inbox_bot.daemon.push import PollRequests, PushFailure, PushWatcher, start_watchers, stop_watchers
from inbox_bot.outgoing import digest, outbox
from inbox_bot.outgoing.mailer import Mailer
from inbox_bot.rules.loader import load_rules
from inbox_bot.sources.imap_idle import ImapIdle
from inbox_bot.sources.mailbox import MailboxFactory, Waiter, WaiterFactory
from inbox_bot.storage import failures
from inbox_bot.storage.store import Store
from inbox_bot.triage.pipeline import Pipeline, Triaged

log = logging.getLogger(__name__)
FOLDER_SOURCES_EVERY = timedelta(minutes=5)
MAX_BACKOFF = timedelta(minutes=30)


@dataclass
class OnceReport:
    folders: RunReport
    mailboxes: dict[str, PollReport] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def recorded(self) -> int:
        return len(self.folders.recorded) + sum(r.recorded for r in self.mailboxes.values())


class RulesWatcher:
    """The rules in force: read again when a file changes or on request; a bad file keeps the last good set."""

    def __init__(self, directory: Path, record: Callable[[str, str], None] | None = None) -> None:
        self.directory = directory
        self.record = record
        self.rules = load_rules(directory)
        self.error: str | None = None
        self._signature = self._current_signature()
        self._reload_requested = threading.Event()
        self._lock = threading.Lock()

    def _current_signature(self) -> tuple[tuple[str, int, int], ...]:
        try:
            files = sorted(self.directory.glob("*.toml"))
            return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        except OSError:
            return ()

    def request_reload(self) -> None:
        self._reload_requested.set()

    def current(self) -> dict[str, Rule]:
        with self._lock:  # polls of several mailboxes run on several threads: one reload, one event
            signature = self._current_signature()
            if signature != self._signature or self._reload_requested.is_set():
                self._reload_requested.clear()
                self._signature = signature
                self._reload()
            return self.rules

    def _reload(self) -> None:
        try:
            rules = load_rules(self.directory)
        except ConfigError as exc:
            self.error = exc.one_line()
            log.error("rules not reloaded, the last good rules stay in force: %s", self.error)
            if self.record:
                self.record("error", self.error)
            return
        self.rules, self.error = rules, None
        log.info("rules reloaded: %s", ", ".join(sorted(rules)))
        if self.record:
            self.record("reloaded", ", ".join(sorted(rules)))


class Daemon:
    def __init__(
        self,
        settings: Settings,
        *,
        daemon: bool = False,
        mailboxes: MailboxFactory | None = None,
        waiters: WaiterFactory | None = None,
    ) -> None:
        self.settings = settings
        self.mailboxes = mailboxes  # None: each poller opens IMAP; tests give an in-memory twin
        # IDLE beside the polls: over IMAP by default; with a twin for the polls, only when a waiter is given.
        self.waiters = waiters if waiters is not None or mailboxes is not None else _imap_waiter
        if mailboxes is None:  # a password variable not set is for the operator to fix now, not a poll failure
            check_secrets(settings)
        self.stopping = threading.Event()
        try:
            self.store = Store(settings.database, settings.storage)
        except ConfigError as exc:
            raise exc.in_file(settings.file) from exc.__cause__
        self.rules = RulesWatcher(settings.rules_dir, self._record_rules_event)
        self._pipeline_rules: dict[str, Rule] | None = None
        self._pipeline: Pipeline | None = None
        self.plan_reply: ReplyPlanner | None = self._plan_reply if settings.smtp else None
        # Replies to the digest carry the coordinator's commands; without [smtp] there is no digest to answer.
        self.commands = CommandRouter(settings, self.rules.current, self.pipeline).handle if settings.smtp else None
        self.extra_jobs = self._mail_jobs(settings) if settings.smtp else []
        if daemon and settings.smtp:
            # A reply caught mid-send by the last stop may have gone: shown as unknown, never resent blindly.
            outbox.recover_interrupted(self.store)
        self.pollers = {box.name: self._poller(box) for box in settings.mailboxes}
        self.failures: dict[str, int] = {}
        self.last_errors: dict[str, str] = {}
        self.scheduler: BlockingScheduler | None = None
        self.requests = PollRequests(self.poll_mailbox, self.stopping)
        self.watchers: list[PushWatcher] = []

    def _record_rules_event(self, what: str, detail: str) -> None:
        store = Store(self.settings.database, self.settings.storage)
        try:
            store.add_event(None, "rules", {"state": what, "detail": detail})
        finally:
            store.close()

    # ------------------------------------------------------------ talking to people

    def _plan_reply(
        self, triaged: Triaged, box: MailboxSettings, store: Store, held_back: str | None
    ) -> outbox.PlannedReply | None:
        rules = self.rules.current()
        rule = rules.get(triaged.result.call or "")
        return outbox.plan_reply(
            store,
            triaged.parsed,
            triaged.result,
            rule,
            self.settings,
            set(box.authserv_ids),
            raw=triaged.raw,
            rules=rules.values(),
            held_back=held_back,
        )

    def _mail_jobs(self, settings: Settings) -> list[tuple[str, Callable[[], None], IntervalTrigger]]:
        # Each job has its own SQLite connection: jobs run on different threads, maybe at the same time.
        replies_store = Store(settings.database, settings.storage)
        digest_store = Store(settings.database, settings.storage)
        self._job_stores = [replies_store, digest_store]
        smtp = settings.smtp
        assert smtp is not None

        def deliver() -> None:
            outbox.deliver_pending(replies_store, Mailer(smtp))

        def digests() -> None:
            rules = self.rules.current()
            digest.send_mailbox_alerts(digest_store, settings, rules, Mailer(smtp))
            digest.send_digest_if_due(digest_store, settings, rules, Mailer(smtp))
            outbox.deliver_pending(digest_store, Mailer(smtp))

        return [("replies", deliver, IntervalTrigger(minutes=1)), ("digest", digests, IntervalTrigger(minutes=5))]

    def pipeline(self) -> Pipeline:
        rules = self.rules.current()
        if self._pipeline is None or rules is not self._pipeline_rules:
            self._pipeline, self._pipeline_rules = build_pipeline(self.settings, rules), rules
        return self._pipeline

    def _poller(self, box: MailboxSettings) -> MailboxPoller:
        # Each poller has its own SQLite connection: polls of different mailboxes run on different threads.
        store = Store(self.settings.database, self.settings.storage)
        max_bytes = int(self.settings.limits.max_mail_mb * 1_048_576)
        return MailboxPoller(
            box,
            store,
            self.pipeline,
            max_mail_bytes=max_bytes,
            plan_reply=self.plan_reply,
            mailboxes=self.mailboxes,
            reply_max_age=self.settings.replies.max_age,
            commands=self.commands,
        )

    # ------------------------------------------------------------ one pass

    def poll_mailbox(self, name: str) -> PollReport | None:
        """One poll; None when it failed. Errors are logged in one line naming the mailbox, never raised."""
        poller = self.pollers[name]
        self.rules.current()  # a changed rule file, or SIGHUP, takes effect at the next poll, idle or not
        try:
            report = poller.poll(self.stopping.is_set)
        except InboxBotError as exc:
            self._failed(name, exc.one_line())
            return None
        except Exception as exc:  # a bug must not kill the daemon: log it, keep the other mailboxes going
            log.exception("mailbox %s: poll failed", name)
            self._failed(name, f"{type(exc).__name__}: {exc}")
            return None
        self.failures.pop(name, None)
        if report.new or report.filed:
            log.info(
                "mailbox %s: %d new, %d recorded, %d linked, %d filed",
                name,
                report.new,
                report.recorded,
                report.linked,
                report.filed,
            )
        return report

    def _failed(self, name: str, error: str) -> None:
        self.failures[name] = self.failures.get(name, 0) + 1
        self.last_errors[name] = error
        log.error("mailbox %s: %s", name, error)
        self._back_off(name)

    def poll_folder_sources(self) -> RunReport:
        return run_folder_sources(self.settings, self.pipeline(), self.store)

    def run_once(self) -> OnceReport:
        """Every folder source and mailbox once, then the extra jobs (replies to send)."""
        report = OnceReport(folders=self.poll_folder_sources())
        for name in self.pollers:
            polled = self.poll_mailbox(name)
            if polled is None:
                report.failed[name] = self.last_errors.get(name, "failed")
            else:
                report.mailboxes[name] = polled
        for name, job, _ in self.extra_jobs:
            self._guarded(name, job)()
        return report

    def _back_off(self, name: str) -> None:
        if self.scheduler is None:
            return
        delay = min(timedelta(minutes=1) * 2 ** (self.failures[name] - 1), MAX_BACKOFF)
        job = self.scheduler.get_job(f"poll:{name}")
        if job is not None and delay < self.pollers[name].box.poll_every:
            job.modify(next_run_time=datetime.now(UTC) + delay)
            log.info("mailbox %s: next try in %s", name, delay)

    # ------------------------------------------------------------ the daemon

    def run_forever(self) -> None:
        scheduler = BlockingScheduler(
            timezone=zone(MOROCCO),
            executors={"default": ThreadPoolExecutor(max(2, len(self.pollers) + len(self.extra_jobs) + 1))},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        )
        self.scheduler = scheduler
        now = datetime.now(UTC)
        for name, poller in self.pollers.items():
            scheduler.add_job(
                self.requests.run,
                IntervalTrigger(seconds=poller.box.poll_every.total_seconds()),
                args=[name],
                id=f"poll:{name}",
                name=f"poll {name}",
                next_run_time=now,
            )
        if self.settings.sources:
            scheduler.add_job(
                self.poll_folder_sources,
                IntervalTrigger(seconds=FOLDER_SOURCES_EVERY.total_seconds()),
                id="sources",
                name="folder sources",
                next_run_time=now,
            )
        for job_id, job, trigger in self.extra_jobs:
            scheduler.add_job(self._guarded(job_id, job), trigger, id=job_id, name=job_id, next_run_time=now)
        self._install_signals(scheduler)
        self.requests.run_now = self._poll_now
        if self.waiters is not None:
            self.watchers = start_watchers(
                self.settings.mailboxes, self.waiters, self.requests.request, self.stopping, self.push_state
            )
        log.info(
            "inbox-bot running: %d mailbox(es), %d folder source(s)", len(self.pollers), len(self.settings.sources)
        )
        try:
            scheduler.start()
        finally:
            self.close()

    def _poll_now(self, name: str) -> None:
        """Make the mailbox's poll job due now (IDLE announced mail); its interval goes on from there."""
        if self.scheduler is None or self.stopping.is_set():
            return
        try:
            self.scheduler.modify_job(f"poll:{name}", next_run_time=datetime.now(UTC))
        except JobLookupError:  # the scheduler is shutting down and has let its jobs go
            log.debug("mailbox %s: no poll job to run now", name)

    def push_state(self, name: str, failure: PushFailure | None) -> None:
        """IDLE failed (the mailbox is degraded: mail comes with the polls, later) or works again."""
        # The watcher's own thread: a connection of its own, opened and closed here (as for rules events).
        store = Store(self.settings.database, self.settings.storage)
        try:
            if failure is None:
                failures.cleared(store, name, Action.PUSH)
            else:
                failures.failed(store, name, Action.PUSH, cause=failure.cause, error=failure.error)
        finally:
            store.close()

    @staticmethod
    def _guarded(name: str, job: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except Exception:  # a failing digest or SMTP server must not stop the polls
                log.exception("job %s failed; it runs again at its next time", name)

        return run

    def _install_signals(self, scheduler: BlockingScheduler) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: finishing the mail in hand, then stopping", signal.Signals(signum).name)
            self.stopping.set()
            # From a signal handler, only ask: the scheduler's loop then waits for the running jobs.
            threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True).start()

        def reload(_signum: int, _frame: FrameType | None) -> None:
            self.rules.request_reload()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, reload)

    def close(self) -> None:
        stop_watchers(self.watchers, self.stopping)
        for poller in self.pollers.values():
            poller.close()
            poller.store.close()
        for store in getattr(self, "_job_stores", []):
            store.close()
        self.store.close()


def _imap_waiter(box: MailboxSettings) -> Waiter:
    return ImapIdle(box, read_credential(box))
