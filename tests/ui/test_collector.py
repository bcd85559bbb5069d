"""Garbage is collected on the GUI thread only: a worker thread's allocations never free a
cycle (which may hold a Qt object) in that thread."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtWidgets import QApplication

from ui.collector import GuiThreadCollector, collect_on_gui_thread


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


async def test_a_worker_threads_allocations_collect_nothing_until_the_gui_thread_checks() -> None:
    app = QApplication.instance()
    assert app is not None
    collector = collect_on_gui_thread(app)
    assert collect_on_gui_thread(app) is collector  # one per application
    assert not gc.isenabled()
    gc.collect()
    garbage = Node()
    alive = weakref.ref(garbage)
    del garbage

    def allocate() -> None:
        for _ in range(5 * gc.get_threshold()[0]):
            Node()  # past the young threshold many times over

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    assert alive() is not None  # the worker collected nothing
    before = collector.collections
    collector.check()
    assert collector.collections == before + 1
    gc.collect()
    assert alive() is None


async def test_nothing_is_collected_below_the_thresholds() -> None:
    collector = GuiThreadCollector()
    gc.collect()
    before = collector.collections
    collector.check()
    assert collector.collections == before
    collector.deleteLater()
