"""File transfers between this workstation and an R2 bucket, for :mod:`r2_blob_store`.

Uploads go through boto3's transfer manager in equal 8 MiB multipart parts (R2 rejects unequal
non-trailing parts), with its byte-count callbacks turned into a few progress calls; downloads
land in a temporary file beside the destination, which replaces it only once complete. Both run
in a worker thread with the store's client; the store turns driver errors into messages.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import boto3.s3.transfer

from app.ports.blob_store import TransferProgress

_MIB = 1024 * 1024
_TRANSFER_CONFIG = boto3.s3.transfer.TransferConfig(
    multipart_threshold=8 * _MIB,
    multipart_chunksize=8 * _MIB,
    max_concurrency=4,
    use_threads=True,
)


def upload_file(
    client: Any,
    bucket: str,
    source: Path,
    key: str,
    content_type: str,
    size: int,
    progress: TransferProgress | None,
) -> None:
    """Upload ``source`` (``size`` bytes) to ``key`` (multipart above 8 MiB); ``progress`` as
    :class:`UploadProgress` tells it, ending with ``(size, size)`` once the upload is done."""
    counter = None if progress is None else UploadProgress(size, progress)
    client.upload_file(
        str(source),
        bucket,
        key,
        ExtraArgs={"ContentType": content_type},
        Config=_TRANSFER_CONFIG,
        Callback=counter,
    )
    if counter is not None:
        counter.finish()


def download_file(client: Any, bucket: str, key: str, destination: Path) -> None:
    """Download ``key`` to a temporary file beside ``destination``, flush it to the disk, then
    rename it; the temporary file is removed if anything fails."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    os.close(fd)
    try:
        client.download_file(bucket, key, name)
        with open(name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(name, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


class UploadProgress:
    """Turns boto3's upload callbacks into a few ``progress(sent, size)`` calls.

    boto3 calls ``Callback`` with the bytes sent since its previous call, from several transfer
    threads at once, every few KiB (thousands of calls for a large file), and with a negative
    count when it rewinds a part to retry it. This adds them up under a lock and passes the
    total on only when it crosses a MiB not reached before, then ``(size, size)`` once from
    :meth:`finish`: the calls are few, never go back and never overlap.

    Args:
        size: The bytes being uploaded.
        progress: Told ``(bytes sent, size)``.
    """

    def __init__(self, size: int, progress: TransferProgress) -> None:
        self._size = size
        self._progress = progress
        self._lock = threading.Lock()
        self._sent = 0
        self._reported_mib = 0
        self._finished = False

    def __call__(self, bytes_amount: int) -> None:
        with self._lock:
            self._sent += bytes_amount
            mib = self._sent // _MIB
            # The end is reported by finish(), once the upload has succeeded.
            if self._finished or mib <= self._reported_mib or self._sent >= self._size:
                return
            self._reported_mib = mib
            self._progress(self._sent, self._size)

    def finish(self) -> None:
        """Report ``(size, size)``: the upload is done (only the first call reports)."""
        with self._lock:
            if not self._finished:
                self._finished = True
                self._progress(self._size, self._size)
