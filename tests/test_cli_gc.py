"""A CLI run leaves the objects alive before it out of Python's full collections, and only for the run."""

import gc

import pytest

from pipelines.cli import _long_lived_objects_left_out_of_gc

pytestmark = pytest.mark.unit


def test_objects_alive_before_the_run_are_frozen_during_it_and_given_back_after_even_on_failure() -> None:
    before_run = [[] for _ in range(1_000)]  # containers: objects the collector tracks
    assert gc.get_freeze_count() == 0
    with _long_lived_objects_left_out_of_gc():
        assert gc.get_freeze_count() >= len(before_run)
    assert gc.get_freeze_count() == 0

    with pytest.raises(RuntimeError), _long_lived_objects_left_out_of_gc():
        raise RuntimeError("a failed step")
    assert gc.get_freeze_count() == 0
