from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from cashdesk.core.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_back_on() -> Iterator[None]:
    yield
    gc.enable()


def test_the_collector_runs_again_only_when_the_last_pause_ends() -> None:
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still on
    assert gc.isenabled()


def test_a_failing_job_still_ends_the_pause() -> None:
    @collector_paused()
    def job() -> None:
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        job()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_pauses_from_two_threads_overlap() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_job() -> None:
        with collector_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_job)
    with collector_paused():
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()  # the other thread's job is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()
