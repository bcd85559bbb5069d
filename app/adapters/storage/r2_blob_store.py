"""A blob store in a Cloudflare R2 bucket (or any S3-compatible bucket), through boto3.

boto3 is synchronous: every call runs in a worker thread via ``asyncio.to_thread``. The client
is configured for R2 (see toolchain notes): checksums only "when required" (boto3 ≥ 1.36 adds
CRC trailers R2 has rejected, sometimes as a misleading ``Unauthorized``), path-style addressing,
and equal 8 MiB multipart parts (R2 rejects unequal non-trailing parts; the file transfers are
in :mod:`app.adapters.storage.r2_transfers`). Driver errors become :class:`StorageError`
messages naming the operation, bucket and error code, never the secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import urllib.parse
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import boto3
import boto3.exceptions
import botocore.exceptions
from botocore.config import Config

from app.adapters.storage.file_threads import FileThreads
from app.adapters.storage.keys import check_key
from app.adapters.storage.r2_transfers import download_file, upload_file
from app.adapters.storage.staging import Staging
from app.domain.errors import ConfigurationError, NotFound, StorageError
from app.ports.blob_store import SmallBlob, StagedBlob, TransferProgress

_T = TypeVar("_T")
MAX_PRESIGN_EXPIRY_SECONDS = 7 * 24 * 3600  # R2 (like S3) accepts 1 s .. 7 days
_DRIVER_ERRORS = (
    botocore.exceptions.BotoCoreError,
    botocore.exceptions.ClientError,
    boto3.exceptions.Boto3Error,  # upload_file wraps ClientError in S3UploadFailedError
)
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class R2BlobStore:
    """The :class:`~app.ports.blob_store.BlobStore` kept in an R2 bucket.

    The boto3 client is created on first use, in a worker thread (building it loads botocore's
    service model, which takes longer than the event loop should be blocked).

    Args:
        endpoint_url: The S3 API endpoint, ``https://<account>.r2.cloudflarestorage.com``.
        bucket: The bucket holding the objects.
        access_key_id: The R2 API token's access key ID.
        secret_access_key: The R2 API token's secret; never shown in an error message.
        staging_dir: A local folder for staging files.
        public_base_url: The bucket's public (custom-domain) URL; presigned URLs are used if
            ``None``.
        presign_expiry_seconds: Lifetime of presigned URLs, 1 s to 7 days.
        region: The signing region; R2's is ``auto``.

    Raises:
        ConfigurationError: ``presign_expiry_seconds`` is out of range.
    """

    kind = "r2"

    def __init__(
        self,
        *,
        endpoint_url: str,
        bucket: str,
        access_key_id: str,
        secret_access_key: str,
        staging_dir: Path,
        public_base_url: str | None = None,
        presign_expiry_seconds: int = 3600,
        region: str = "auto",
    ) -> None:
        if not 1 <= presign_expiry_seconds <= MAX_PRESIGN_EXPIRY_SECONDS:
            raise ConfigurationError(
                f"the presigned URL lifetime must be 1 to {MAX_PRESIGN_EXPIRY_SECONDS} seconds,"
                f" not {presign_expiry_seconds}"
            )
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.public_base_url = public_base_url
        self.presign_expiry_seconds = presign_expiry_seconds
        self.region = region
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._threads = FileThreads(f"for bucket {bucket}")
        self._staging = Staging(staging_dir, self._threads)
        self._client: Any = None
        self._client_lock = asyncio.Lock()
        self._closed = False

    async def stage(
        self, source: Path, *, max_bytes: int, progress: TransferProgress | None = None
    ) -> StagedBlob:
        """Copy ``source`` into the local staging folder while hashing it; ``progress`` is told
        the bytes read after each chunk, from the worker thread."""
        return await self._staging.stage(source, max_bytes=max_bytes, progress=progress)

    async def stage_stream(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> StagedBlob:
        """Copy streamed bytes into the local staging folder while hashing them."""
        return await self._staging.stage_stream(chunks, max_bytes=max_bytes)

    async def commit(
        self,
        staged: StagedBlob,
        key: str,
        *,
        content_type: str,
        alongside: Sequence[SmallBlob] = (),
        progress: TransferProgress | None = None,
    ) -> None:
        """Upload the staged file to ``key`` (multipart above 8 MiB) unless ``key`` exists.

        The staged file is removed afterwards whether this succeeds or raises. ``progress`` is
        called from worker threads, one call at a time, with the bytes sent so far: at most
        once per MiB crossed (see :class:`~app.adapters.storage.r2_transfers.UploadProgress`),
        then with ``(size, size)`` once the upload is done; only that last call if ``key``
        already exists.

        Raises:
            InvalidInput: ``key`` is invalid, or ``staged`` is not from this store.
            StorageError: The upload failed.
        """
        source = self._staging.owned_path(staged)
        try:
            check_key(key)
            for small in alongside:
                await self.put_bytes(small.key, small.data, content_type=small.content_type)
            if await self.exists(key):
                if progress is not None:
                    progress(staged.size, staged.size)
                return  # content-addressed: the same bytes are already there
            await self._run(
                "upload",
                key,
                lambda c: upload_file(
                    c, self.bucket, source, key, content_type, staged.size, progress
                ),
            )
        finally:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(source.unlink, missing_ok=True)

    async def discard(self, staged: StagedBlob) -> None:
        """Remove a staged file that will not be committed."""
        await self._staging.discard(staged)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store a small object with one PutObject (atomic on the server)."""
        check_key(key)
        await self._object_call("put_object", key, Body=data, ContentType=content_type)

    async def read_bytes(self, key: str) -> bytes:
        """A small object's bytes.

        Raises:
            NotFound: Nothing is stored under ``key``.
        """
        check_key(key)

        def read(client: Any) -> bytes:
            response = client.get_object(Bucket=self.bucket, Key=key)
            with contextlib.closing(response["Body"]) as body:
                data: bytes = body.read()
            return data

        return await self._run("get_object", key, read, missing_is_not_found=True)

    async def download(self, key: str, destination: Path) -> None:
        """Download the object to a temporary file beside ``destination``, then rename it.

        Raises:
            NotFound: Nothing is stored under ``key``.
        """
        check_key(key)
        await self._run(
            "download",
            key,
            lambda c: download_file(c, self.bucket, key, destination),
            missing_is_not_found=True,
        )

    async def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key`` (one HeadObject)."""
        check_key(key)
        try:
            await self._object_call("head_object", key, missing_is_not_found=True)
        except NotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        """Remove ``key``; nothing happens if it is absent."""
        check_key(key)
        await self._object_call("delete_object", key)

    async def url(self, key: str) -> str:
        """The public URL if a public base URL is set, else a presigned GET URL."""
        check_key(key)
        if self.public_base_url:
            return self.public_base_url.rstrip("/") + "/" + urllib.parse.quote(key)
        params = {"Bucket": self.bucket, "Key": key}
        url: str = await self._run(
            "presign",
            key,
            lambda c: c.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=self.presign_expiry_seconds
            ),
        )
        return url

    async def describe(self) -> dict[str, Any]:
        """Kind, endpoint, bucket and URL mode, after a HeadBucket proves the bucket usable.

        Raises:
            StorageError: The endpoint is unreachable, or the bucket is missing or refused.
        """
        await self._run("head_bucket", None, lambda c: c.head_bucket(Bucket=self.bucket))
        urls = self.public_base_url or f"presigned URLs ({self.presign_expiry_seconds} s)"
        return {
            "kind": self.kind,
            "endpoint": self.endpoint_url,
            "bucket": self.bucket,
            "urls": urls,
        }

    async def close(self) -> None:
        """Close the boto3 client's connections and end the staging threads; later calls raise
        :class:`StorageError`."""
        self._closed = True
        await self._threads.close()
        client, self._client = self._client, None
        if client is not None:
            await asyncio.to_thread(client.close)

    # ------------------------------------------------------------------ driver plumbing

    async def _get_client(self) -> Any:
        async with self._client_lock:
            if self._closed:
                raise StorageError(f"the R2 store for bucket {self.bucket!r} is closed")
            if self._client is None:
                self._client = await asyncio.to_thread(self._make_client)
            return self._client

    def _make_client(self) -> Any:
        config = Config(
            region_name=self.region,
            signature_version="s3v4",
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        )
        try:
            # A session of our own: boto3's default session is not thread-safe.
            session = boto3.session.Session(
                aws_access_key_id=self._access_key_id,
                aws_secret_access_key=self._secret_access_key,
                region_name=self.region,
            )
            return session.client("s3", endpoint_url=self.endpoint_url, config=config)
        except (*_DRIVER_ERRORS, ValueError) as exc:  # ValueError: a malformed endpoint URL
            raise StorageError(self._message("connect", None, exc)) from exc

    async def _run(
        self,
        operation: str,
        key: str | None,
        call: Callable[[Any], _T],
        *,
        missing_is_not_found: bool = False,
    ) -> _T:
        client = await self._get_client()
        try:
            return await asyncio.to_thread(call, client)
        except _DRIVER_ERRORS as exc:
            if missing_is_not_found and _error_code(exc) in _MISSING_CODES:
                raise NotFound(f"nothing is stored under {key!r}") from exc
            raise StorageError(self._message(operation, key, exc)) from exc
        except OSError as exc:  # reading a staged file or writing a download
            raise StorageError(self._message(operation, key, exc)) from exc

    async def _object_call(
        self, method: str, key: str, *, missing_is_not_found: bool = False, **params: Any
    ) -> Any:
        """``client.<method>(Bucket=bucket, Key=key, **params)`` in a worker thread."""
        return await self._run(
            method,
            key,
            lambda c: getattr(c, method)(Bucket=self.bucket, Key=key, **params),
            missing_is_not_found=missing_is_not_found,
        )

    def _message(self, operation: str, key: str | None, exc: BaseException) -> str:
        target = f"bucket {self.bucket!r}" + (f", key {key!r}" if key else "")
        message = f"R2 {operation} failed ({target}): {_describe_error(exc)}"
        if self._secret_access_key:
            message = message.replace(self._secret_access_key, "[secret]")
        return message


def _client_error(exc: BaseException) -> botocore.exceptions.ClientError | None:
    """The ClientError behind ``exc``, looking through boto3's wrappers."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None or isinstance(seen, botocore.exceptions.ClientError):
            return seen
        if isinstance(seen, boto3.exceptions.RetriesExceededError):
            seen = seen.last_exception
        else:
            seen = seen.__cause__ or seen.__context__
    return None


def _error_code(exc: BaseException) -> str:
    client_error = _client_error(exc)
    if client_error is None:
        return type(exc).__name__
    response = client_error.response
    code = response.get("Error", {}).get("Code")
    return str(code or response.get("ResponseMetadata", {}).get("HTTPStatusCode", "unknown"))


def _describe_error(exc: BaseException) -> str:
    client_error = _client_error(exc)
    if client_error is None:
        return f"{type(exc).__name__}: {exc}"
    detail = client_error.response.get("Error", {}).get("Message")
    code = _error_code(client_error)
    return f"{code} ({detail})" if detail and detail != code else code
