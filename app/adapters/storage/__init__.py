"""Blob stores: a local folder and a Cloudflare R2 (S3-compatible) bucket."""

from typing import TYPE_CHECKING, Any

from app.adapters.storage.local_blob_store import LocalBlobStore

if TYPE_CHECKING:
    from app.adapters.storage.r2_blob_store import R2BlobStore


def __getattr__(name: str) -> Any:
    # R2 needs boto3 (~75 ms to import): loaded on first use, not with the local folder.
    if name == "R2BlobStore":
        from app.adapters.storage.r2_blob_store import R2BlobStore

        return R2BlobStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LocalBlobStore", "R2BlobStore"]
