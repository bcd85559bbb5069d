"""The threads that do a blob store's local file work (staging, commits, reads).

A few dedicated threads rather than the event loop's default pool: file calls are short and
mostly wait for the disk, and many threads contending for one folder's lock and for the
interpreter cost more than they overlap (``bench/render_bench.py``: 2 threads gave ~15 % less
wall time than the default 6). Media decoding (the inspector's Pillow and ffmpeg calls), which
can take seconds, keeps the default pool.

Each store owns its own :class:`FileThreads` and shuts them down when it is closed, so that a
closed core leaves no thread behind and two cores in one process never share or stop each
other's threads.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from app.domain.errors import StorageError

P = ParamSpec("P")
T = TypeVar("T")

FILE_THREADS = 2
FILE_THREAD_PREFIX = "files"


class FileThreads:
    """A blob store's own small pool of file threads, started on first use.

    Args:
        owner: What the threads work for, named in the error raised after :meth:`close`.
        workers: The most threads at once.
    """

    def __init__(self, owner: str, *, workers: int = FILE_THREADS) -> None:
        self._owner = owner
        self._executor = ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=FILE_THREAD_PREFIX
        )
        self._closed = False

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``work(*args, **kwargs)`` run in one of the threads.

        Raises:
            StorageError: The threads were closed.
        """
        if self._closed:
            raise StorageError(f"the store {self._owner} is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, functools.partial(work, *args, **kwargs))

    async def close(self) -> None:
        """Refuse new work, let the work under way finish, and end the threads."""
        self._closed = True
        # Waiting for a long copy that is still running must not hold up the event loop.
        await asyncio.to_thread(self._executor.shutdown, wait=True)
