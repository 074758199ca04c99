"""How domains tell each other what happened, and ask each other what they know: blinker signals.

Each domain declares its signals in its own ``events`` module; ``talentbank.wiring`` connects every
subscriber in one place when the app is created. Three ways to send:

* ``signal.send(sender, **kw)`` inside a transaction: an exception in a subscriber aborts the change;
* ``announce(signal, sender, **kw)`` after a commit: each subscriber runs, a failure is logged;
* ``ask_any`` / ``collect`` for questions: the answers of every subscriber, combined.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from blinker import Namespace, Signal

log = logging.getLogger(__name__)

signals = Namespace()


def announce(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Tell every subscriber after the fact; one failing must not stop the others or undo the change."""
    for receiver in list(signal.receivers_for(sender)):
        try:
            receiver(sender, **kwargs)
        except Exception:
            log.exception("subscriber %r of %s failed for %r", receiver, signal.name, sender)


def ask_any(signal: Signal, sender: Any, **kwargs: Any) -> bool:
    """True when any subscriber answers yes."""
    return any(answer for _receiver, answer in signal.send(sender, **kwargs))


def collect(signal: Signal, sender: Any, **kwargs: Any) -> Iterable[Any]:
    """Every subscriber's answer, in connection order (``None`` answers left out)."""
    return [answer for _receiver, answer in signal.send(sender, **kwargs) if answer is not None]
