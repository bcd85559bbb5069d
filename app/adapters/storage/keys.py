"""Validation of storage keys, shared by every blob store.

A key is a relative, slash-separated path such as ``media/ab/abcdef.png``. Checking it on every
call keeps a crafted key from reaching outside a store's folder or bucket prefix.
"""

from __future__ import annotations

import re

from app.domain.errors import InvalidInput

MAX_KEY_LENGTH = 512
_PART = re.compile(r"[A-Za-z0-9._-]+")


def check_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid storage key.

    Args:
        key: A relative path of ``[A-Za-z0-9._-]+`` parts joined by single slashes; no part is
            ``.`` or ``..``; at most 512 characters.

    Raises:
        InvalidInput: The key breaks one of those rules.
    """
    reason = _problem(key)
    if reason:
        shown = key[:80] + "…" if isinstance(key, str) and len(key) > 80 else key
        raise InvalidInput(f"invalid storage key {shown!r}: {reason}")
    return key


def _problem(key: object) -> str:
    if not isinstance(key, str) or not key:
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"it is longer than {MAX_KEY_LENGTH} characters"
    if key.startswith("/"):
        return "it must be relative (no leading slash)"
    for part in key.split("/"):
        if not part:
            return "it has an empty part (a double or trailing slash)"
        if part in {".", ".."}:
            return "'.' and '..' parts are not allowed"
        if not _PART.fullmatch(part):
            return "parts may hold only letters, digits, '.', '_' and '-'"
    return ""
