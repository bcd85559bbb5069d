"""Blob stores: a local folder and a Cloudflare R2 (S3-compatible) bucket."""

from app.adapters.storage.local_blob_store import LocalBlobStore
from app.adapters.storage.r2_blob_store import R2BlobStore

__all__ = ["LocalBlobStore", "R2BlobStore"]
