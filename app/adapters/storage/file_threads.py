"""The threads that do the local file work of the blob stores (staging, commits, reads).

A few dedicated threads rather than the event loop's default pool: file calls are short and
mostly wait for the disk, and many threads contending for one folder's lock and for the
interpreter cost more than they overlap (``bench/render_bench.py``: 2 threads gave ~15 % less
wall time than the default 6). Media decoding (the inspector's Pillow and ffmpeg calls), which
can take seconds, keeps the default pool.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

FILE_THREADS = 2

_executor = ThreadPoolExecutor(max_workers=FILE_THREADS, thread_name_prefix="files")


async def in_file_thread(work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``work(*args, **kwargs)`` run in one of the file threads."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_executor, functools.partial(work, *args, **kwargs))
