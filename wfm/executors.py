"""Where the pipeline's per-queue work runs: in this process, in local processes, or on Dask.

Every executor has one method that matters, :meth:`Executor.run`: call ``fn(item)`` for
each item and yield ``(key, value, error)`` as each finishes (``error`` is the exception
the call raised, else None). A worker process that dies (killed, out of memory) does not
fail its tasks: they are run again elsewhere, up to ``retries`` times; only a task whose
worker keeps dying is reported with :class:`WorkerLost`.

* :class:`InlineExecutor` — sequential, in this process (tests, ``--workers 1``).
* :class:`ProcessExecutor` — a local process pool (the default); a broken pool is rebuilt
  and the unfinished tasks resubmitted.
* :class:`DaskExecutor` — Dask distributed: an existing scheduler (``tcp://host:8786``)
  or a ``LocalCluster`` of N single-threaded worker processes started for the run. The
  workers need this package installed and access to the database URL the run uses.

Functions and items must be picklable (module-level functions, plain data); items carry
what a task needs to *find* its data (queue id, database URL), not the data itself.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Hashable, Iterator, Protocol

THREAD_LIMITS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
"Set in worker processes: parallelism comes from running queues side by side, not from BLAS threads"


class WorkerLost(RuntimeError):
    """A task's worker process died more often than the retries allow."""


class Executor(Protocol):
    name: str
    workers: int

    def run(self, fn: Callable[[Any], Any], items: dict[Hashable, Any]) -> Iterator[tuple[Hashable, Any, BaseException | None]]:
        ...

    def close(self) -> None:
        ...


class InlineExecutor:
    """Runs each task in this process, one after the other."""

    name = "inline"
    workers = 1

    def run(self, fn, items):
        for key, item in items.items():
            try:
                value = fn(item)
            except Exception as exc:  # noqa: BLE001 - reported to the caller with its key
                yield key, None, exc
            else:
                yield key, value, None

    def close(self) -> None:
        pass


def _limit_threads() -> None:
    os.environ.update(THREAD_LIMITS)


class ProcessExecutor:
    """A pool of local worker processes; rebuilt when a worker dies, unfinished tasks resubmitted."""

    name = "processes"

    def __init__(self, workers: int, retries: int = 2):
        self.workers, self.retries = max(1, workers), retries
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_limit_threads)
        return self._pool

    def run(self, fn, items):
        pending = dict(items)
        lost = {k: 0 for k in pending}
        pool = self._pool or self._new_pool()
        while pending:
            futures: dict[Future, Hashable] = {pool.submit(fn, item): key for key, item in pending.items()}
            broken = False
            while futures and not broken:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    key = futures.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken = True  # this task's (or a sibling's) worker died: run it again
                        continue
                    pending.pop(key)
                    yield key, (None if exc else fut.result()), exc
            if broken:
                for key in pending:
                    lost[key] += 1
                for key in [k for k in pending if lost[k] > self.retries]:
                    pending.pop(key)
                    yield key, None, WorkerLost(f"worker process died {lost[key]} times while running task {key!r}")
                pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


class DaskExecutor:
    """Dask distributed: ``address`` of a running scheduler, or a LocalCluster of ``workers``
    single-threaded processes. Tasks of dead workers are rescheduled by Dask; ``retries``
    more attempts are allowed for tasks that raise from a lost connection."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int = 2, retries: int = 2, key_prefix: str = "wfm"):
        from distributed import Client, LocalCluster

        self.retries, self.key_prefix = retries, key_prefix
        self._cluster = None
        if address:
            self.client = Client(address, timeout="30s")
        else:
            self._cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1, processes=True,
                                         dashboard_address=None, host="127.0.0.1", env=THREAD_LIMITS)
            self.client = Client(self._cluster)
        self.workers = len(self.client.scheduler_info(n_workers=-1)["workers"]) or workers
        self.address = self.client.scheduler.address

    def run(self, fn, items):
        from distributed import as_completed

        keys = {}
        futures = []
        for key, item in items.items():
            fut = self.client.submit(fn, item, key=f"{self.key_prefix}-{key}", pure=False, retries=self.retries)
            keys[fut.key] = key
            futures.append(fut)
        for fut in as_completed(futures):
            key = keys[fut.key]
            if fut.status == "error":
                exc = fut.exception()
                if type(exc).__name__ == "KilledWorker":
                    exc = WorkerLost(f"Dask gave up on task {key!r}: its workers kept dying ({exc})")
                yield key, None, exc
            else:
                yield key, fut.result(), None
            fut.release()

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(kind: str = "processes", workers: int | None = None, address: str | None = None,
                  retries: int = 2, key_prefix: str = "wfm") -> Executor:
    """The executor for ``kind`` (inline | processes | dask); ``address`` implies dask."""
    if address:
        kind = "dask"
    n = workers or os.cpu_count() or 1
    if kind == "inline" or (kind == "processes" and n <= 1):
        return InlineExecutor()
    if kind == "processes":
        return ProcessExecutor(n, retries)
    if kind == "dask":
        return DaskExecutor(address, n, retries, key_prefix)
    raise ValueError(f"executor {kind!r}: expected inline, processes or dask")
