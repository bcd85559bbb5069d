"""Process-wide tuning that an application's entry point may opt into.

The service core is a library: a desktop app, a test run or a script embeds it, and it must leave
the interpreter as it found it. Settings that belong to the whole process (here, the garbage
collector's) are therefore never changed by :func:`app.bootstrap.open_core`; an entry point that
owns its process and wants them calls :func:`tune_garbage_collector` itself.
"""

from __future__ import annotations

import gc
import threading

YOUNG_GC_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (CPython's default: 700)."""

_lock = threading.Lock()
_tuned = False


def tune_garbage_collector() -> bool:
    """Fit the garbage collector to a long-running app with bursts of work, once per process.

    Call it from an entry point that owns its process (``campaign-studio worker`` and ``demo``,
    the benchmarks, the desktop app's ``main``), right after the first core is open, so that
    the objects that live as long as the process already exist. Later calls do nothing.

    What it buys (``docs/benchmarks.md``, render benchmark): full collections walk every
    tracked object while the event loop waits, and they were the 50–70 ms event-loop stalls
    measured during render bursts; with this, the longest stall fell to 15–16 ms.

    - What exists now (modules, classes, the models' validators: most of the process's objects)
      is frozen out of the full passes, which then walk a few thousand objects instead of
      hundreds of thousands. Frozen objects are never collected, which is why this runs once:
      freezing again later would keep garbage forever.
    - The youngest generation is collected every 10,000 allocations instead of 700: the core
      allocates many short-lived objects (models, events, requests) that die young anyway;
      fewer, larger young passes cost ~4 % less CPU.

    Why a library must not do this silently: both settings belong to the whole interpreter. An
    embedding program may tune the collector its own way, measure memory, or rely on objects
    being collected (frozen ones never are); a change it did not ask for, made as a side effect
    of opening a database, would be a surprise that is hard to trace.

    Returns:
        True if this call tuned the collector, False if it had been tuned already.
    """
    global _tuned
    with _lock:
        if _tuned:
            return False
        _tuned = True
        gc.collect()
        gc.freeze()
        _, second, third = gc.get_threshold()
        gc.set_threshold(YOUNG_GC_THRESHOLD, second, third)
        return True
