"""Exports written to the local disk: publish bundles and workspace archives."""

from app.adapters.export.folder_bundle_writer import FolderBundleWriter
from app.adapters.export.zip_workspace_archive import ZipWorkspaceArchive

__all__ = ["FolderBundleWriter", "ZipWorkspaceArchive"]
