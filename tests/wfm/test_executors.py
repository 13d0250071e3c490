"""The executors run the same tasks to the same results; a dying worker costs a retry, not the run."""

import os
import sys
from pathlib import Path

import cloudpickle
import pytest

from wfm.executors import DaskExecutor, InlineExecutor, ProcessExecutor, WorkerLost, make_executor

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Dask workers cannot import the tests


def square_or_fail(x):
    if x == 3:
        raise ValueError("three is refused")
    return x * x


def die_once(item):
    """Kill the worker process the first time (marker file absent), answer afterwards."""
    marker, x = item
    if not Path(marker).exists():
        Path(marker).touch()
        os._exit(1)
    return x * 10


def die_always(item):
    os._exit(1)


def _collect(executor, fn, items):
    values, errors = {}, {}
    for key, value, exc in executor.run(fn, items):
        if exc is None:
            values[key] = value
        else:
            errors[key] = exc
    return values, errors


@pytest.fixture(scope="module")
def dask_executor():
    ex = DaskExecutor(workers=2, retries=1, key_prefix="test")
    yield ex
    ex.close()


@pytest.mark.parametrize("kind", ["inline", "processes", "dask"])
def test_every_executor_gives_the_same_results_and_reports_errors_by_key(kind, request):
    ex = request.getfixturevalue("dask_executor") if kind == "dask" else make_executor(kind, 2)
    items = {f"q{i}": i for i in range(6)}
    try:
        values, errors = _collect(ex, square_or_fail, items)
    finally:
        if kind != "dask":
            ex.close()
    assert values == {f"q{i}": i * i for i in range(6) if i != 3}
    assert list(errors) == ["q3"] and "three is refused" in str(errors["q3"])


def test_make_executor_picks_inline_for_one_worker_and_dask_for_an_address():
    assert isinstance(make_executor("processes", 1), InlineExecutor)
    with pytest.raises(ValueError, match="expected inline, processes or dask"):
        make_executor("threads", 2)


def test_a_killed_local_worker_costs_a_retry_not_the_task(tmp_path):
    ex = ProcessExecutor(2, retries=2)
    try:
        values, errors = _collect(ex, die_once, {"a": (str(tmp_path / "a"), 1), "b": (str(tmp_path / "b"), 2)})
    finally:
        ex.close()
    assert errors == {} and values == {"a": 10, "b": 20}
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()  # both workers really died once


def test_a_task_whose_worker_always_dies_is_reported_and_the_others_finish(tmp_path):
    ex = ProcessExecutor(2, retries=1)
    try:
        values, errors = _collect(ex, die_always, {"bad": None})
        more, none = _collect(ex, square_or_fail, {"ok": 4})
    finally:
        ex.close()
    assert values == {} and isinstance(errors["bad"], WorkerLost) and "died 2 times" in str(errors["bad"])
    assert more == {"ok": 16} and none == {}


def test_dask_reschedules_the_task_of_a_killed_worker(dask_executor, tmp_path):
    values, errors = _collect(dask_executor, die_once, {"a": (str(tmp_path / "a"), 1), "b": (str(tmp_path / "b"), 2)})
    assert errors == {} and values == {"a": 10, "b": 20}
    assert (tmp_path / "a").exists() and (tmp_path / "b").exists()
