"""PollRequests, the fast tier: a poll asked for while one runs makes it run once more, never two at once."""

from __future__ import annotations

import threading

from inbox_bot.daemon.push import PollRequests

BOUND = 30.0  # seconds: a bounded wait for an event, never a timing


class Polls:
    """A poll that holds until released, counting how many ran and the most that ever ran at once."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.release = threading.Semaphore(0)
        self.lock = threading.Lock()
        self.runs = self.running = self.most = 0

    def poll(self, _name: str) -> None:
        with self.lock:
            self.runs += 1
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        assert self.release.acquire(timeout=BOUND)
        with self.lock:
            self.running -= 1


def test_a_request_during_a_poll_runs_it_once_more_after() -> None:
    polls, asked = Polls(), []
    requests = PollRequests(polls.poll, threading.Event())
    requests.run_now = asked.append
    job = threading.Thread(target=requests.run, args=["ngo"])
    job.start()
    assert polls.started.acquire(timeout=BOUND)
    requests.request("ngo")  # mail announced while the poll runs: its SEARCH may have missed it
    requests.request("ngo")  # twice: still one more poll, not two
    assert asked == [], "the running job polls again itself; the scheduler is not asked for a second instance"
    polls.release.release()
    assert polls.started.acquire(timeout=BOUND)
    polls.release.release()
    job.join(BOUND)
    assert not job.is_alive() and polls.runs == 2 and polls.most == 1
    requests.request("ngo")  # nothing running now: the scheduler is asked to run the job now
    assert asked == ["ngo"]


def test_no_poll_again_once_the_daemon_is_stopping() -> None:
    polls, stopping = Polls(), threading.Event()
    requests = PollRequests(polls.poll, stopping)
    job = threading.Thread(target=requests.run, args=["ngo"])
    job.start()
    assert polls.started.acquire(timeout=BOUND)
    requests.request("ngo")
    stopping.set()
    polls.release.release()
    job.join(BOUND)
    assert not job.is_alive() and polls.runs == 1
