"""Work the web leaves in a table for the scheduler process: a matching round started from the web.

A domain registers a queue (``work_queue``) in its ``jobs.py``: ``waiting`` lists the ids of the items
waiting (called at every tick, in the app; cheap, and the place to fail items left behind by a dead
process), ``run`` does one item in a worker thread of the scheduler. The scheduler hands each waiting
item to its worker threads once: an item already handed over (or running) in this process is not handed
over again, and ``run`` must still claim its item atomically (one UPDATE from "queued"), so that even two
processes never do it twice. The scheduler knows no domain: it only calls these functions.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkQueue:
    name: str
    waiting: Callable[[], list[int]]
    run: Callable[[int], Any]


QUEUES: dict[str, WorkQueue] = {}
_TAKEN: set[tuple[str, int]] = set()  # handed to a worker thread of this process and not finished yet
_TAKEN_LOCK = threading.Lock()


def work_queue(name: str, *, waiting: Callable[[], list[int]], run: Callable[[int], Any]) -> None:
    """Register the queue ``name`` (``"<domain>.<what>"``); registering the same functions again is harmless."""
    existing = QUEUES.get(name)
    if existing is not None and existing.run.__qualname__ != run.__qualname__:
        raise ValueError(f"work queue {name!r} registered twice")
    QUEUES[name] = WorkQueue(name, waiting, run)


def take(name: str, item: int) -> bool:
    """Mark ``item`` as handed over in this process; False when it already is."""
    with _TAKEN_LOCK:
        if (name, item) in _TAKEN:
            return False
        _TAKEN.add((name, item))
        return True


def release(name: str, item: int) -> None:
    with _TAKEN_LOCK:
        _TAKEN.discard((name, item))


def run_item(name: str, item: int) -> None:
    """Do one item (in a worker thread with an app context); errors are logged, never raised."""
    try:
        queue = QUEUES.get(name)
        if queue is None:
            log.error("no work queue named %r", name)
            return
        outcome = queue.run(item)
        log.info("queue %s item %s: %s", name, item, outcome)
    except Exception:
        log.exception("queue %s item %s failed", name, item)
    finally:
        release(name, item)
