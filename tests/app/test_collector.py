"""The app's garbage-collection policy (eventtia_tui/collector.py)."""

from __future__ import annotations

import gc
import weakref

import pytest

from eventtia_tui import collector
from eventtia_tui.collector import Collector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def restored():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_started_there_are_young_collections_but_no_automatic_full_one(restored):
    Collector().start()
    young, middle, old = gc.get_threshold()
    assert young == collector.YOUNG and old >= 1 << 20


def test_freezing_takes_the_objects_alive_out_of_the_collections(restored):
    kept = [[index] for index in range(1000)]
    clock = Clock()
    keeper = Collector(clock)
    keeper.freeze()
    assert gc.get_freeze_count() >= len(kept) and keeper.frozen_at == clock.now


def test_a_full_collection_waits_for_a_quiet_desk_but_not_forever(restored):
    clock = Clock()
    keeper = Collector(clock)
    assert not keeper.when_quiet(last_key_at=0.0)  # never frozen: the app has not settled yet
    keeper.freeze()
    clock.now += collector.EVERY - 1
    assert not keeper.when_quiet(last_key_at=0.0)  # too soon after the last
    clock.now += 2
    assert not keeper.when_quiet(last_key_at=clock.now - 1)  # somebody is typing
    cycle: list = []
    cycle.append(cycle)
    del cycle
    assert keeper.when_quiet(last_key_at=clock.now - collector.QUIET)
    assert keeper.frozen_at == clock.now
    clock.now += collector.AT_MOST
    assert keeper.when_quiet(last_key_at=clock.now)  # keys all the time: once in AT_MOST all the same


def test_a_closed_screens_cycles_are_collected_once_the_collector_runs_the_app(restored):
    class Widget:
        pass

    keeper = Collector()
    keeper.start()
    keeper.freeze()
    card = Widget()
    card.me = card  # a cycle, as a screen and its widgets are
    for _ in range(3):
        gc.collect(1)  # it outlives the young collections: only a full one finds it
    alive = weakref.ref(card)
    del card
    gc.collect(1)
    assert alive() is not None
    keeper.screen_closed()
    assert alive() is None
