"""Writes done on a thread of their own, so the database's work overlaps the work of
whoever produces what is written (a million-row export writes a million ledger lines:
done in line, that alone took a quarter of the export's time)."""
from __future__ import annotations

import queue
import threading
from typing import Callable, Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

T = TypeVar("T")

# At most this many items wait for the writer, so memory stays flat when it lags.
_QUEUED = 2


class BatchWriter(Generic[T]):
    """`put` hands over an item; `write(connection, item)` runs for each, in the order given,
    in a transaction of its own. `close` waits for the last and raises the first error, if any;
    the items after a failed one are discarded."""

    def __init__(self, engine: Engine, write: Callable[[Connection, T], None]):
        self.engine, self.write = engine, write
        self._queue: queue.Queue[tuple[T] | None] = queue.Queue(maxsize=_QUEUED)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="batch-writer", daemon=True)
        self._thread.start()

    def put(self, item: T) -> None:
        if self._error is not None:
            self.close()  # raises it, with the thread ended
        self._queue.put((item,))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        with self.engine.connect() as connection:
            while (item := self._queue.get()) is not None:
                if self._error is None:
                    try:
                        with connection.begin():
                            self.write(connection, item[0])
                    except BaseException as exc:  # handed to the producer by put or close
                        self._error = exc
