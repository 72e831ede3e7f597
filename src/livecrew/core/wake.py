"""Wake a job of this process when a transaction that gave it work commits, not before and not on rollback.

A feature that queues work in the database (the notify outbox, the review builds) keeps one ``AfterCommit``;
its job subscribes a callback (usually setting an ``asyncio.Event`` through the loop), and the code that
queues the work calls ``request(db)`` in its transaction. Other processes find the work by polling; this
only saves the wait in the process that queued it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session


class AfterCommit:
    def __init__(self, name: str) -> None:
        self._flag = f"wake:{name}"
        self._installed = f"wake:{name}:listening"
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after each commit that asked for it; returns the function that unsubscribes."""
        with self._lock:
            self._callbacks.append(callback)

        def remove() -> None:
            with self._lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove

    def request(self, db: Session) -> None:
        """Wake the subscribers once the session's current transaction commits (once, however often asked)."""
        db.info[self._flag] = True
        if not db.info.get(self._installed):  # one pair of listeners per session, for all its transactions
            db.info[self._installed] = True
            event.listen(db, "after_commit", self._committed)
            event.listen(db, "after_rollback", self._rolled_back)

    def _committed(self, session: Session) -> None:
        if session.info.pop(self._flag, None):
            self._fire()

    def _rolled_back(self, session: Session) -> None:
        session.info.pop(self._flag, None)

    def _fire(self) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()
