"""Exports written to the local disk: publish bundles."""

from app.adapters.export.folder_bundle_writer import FolderBundleWriter

__all__ = ["FolderBundleWriter"]
