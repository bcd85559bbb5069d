"""The Qt binding itself: faults of a PySide6 release that the app would hit."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    flag = Signal(bool)
    value = Signal(object)


async def test_emitting_true_keeps_its_reference_count() -> None:
    """PySide6 6.12.0 dropped a reference to True on every emission of a Python-defined signal
    carrying it (the views' busy flags do, all day): True's count reached zero and the process
    aborted ("bool_dealloc"). pyproject.toml keeps that release out."""
    emitter = _Emitter()
    seen: list[object] = []
    emitter.flag.connect(seen.append)
    emitter.value.connect(lambda value: seen.append(value))
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(500):
        emitter.flag.emit(True)
        emitter.value.emit(True)
    seen.clear()
    gc.collect()
    assert abs(sys.getrefcount(True) - before) < 50
