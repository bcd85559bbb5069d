"""File and folder names made from what people type, safe on Windows, macOS and Linux.

Letters and digits of every script are kept (``Été 2026 – Ñandú`` → ``Été-2026-Ñandú``), in
NFC form, which is how macOS and Windows users type them and how Linux compares them byte for
byte. Everything else becomes ``-``: white space, punctuation, symbols, control characters and
the characters Windows reserves (``<>:"/\\|?*``). A name never starts or ends with a dot, a
dash or a space (Windows drops a trailing dot or space; a leading dot hides a file), is never a
Windows device name (``CON``, ``NUL``, ``COM1`` …, with or without an extension), and is cut
to :data:`MAX_NAME_BYTES` bytes of UTF-8, well within every file system's 255-byte limit even
with the suffixes the exporter adds.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 120
_KEPT_PUNCTUATION = frozenset("._-")
_KEPT_CATEGORIES = frozenset("LMN")  # letters, combining marks (accents, vowel signs), digits
_DASHES = re.compile(r"-{2,}")
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{digit}" for digit in "123456789"}
    | {f"LPT{digit}" for digit in "123456789"}
)


def safe_name(name: str, *, fallback: str = "file") -> str:
    """``name`` as a portable file or folder name; ``fallback`` (made safe the same way) when
    nothing usable is left (a name of symbols only, say)."""
    cleaned = _clean(name)
    if not cleaned:
        cleaned = _clean(fallback) or "file"
    stem, dot, extension = cleaned.partition(".")
    if stem.upper() in _WINDOWS_DEVICES:
        cleaned = f"{stem}_{dot}{extension}"  # "CON_.txt" is a file; "CON.txt" is the console
    return cleaned


def _clean(name: str) -> str:
    text = unicodedata.normalize("NFC", name)
    kept = "".join(
        char
        if char in _KEPT_PUNCTUATION or unicodedata.category(char)[0] in _KEPT_CATEGORIES
        else "-"
        for char in text
    )
    return _trim(_cut(_DASHES.sub("-", kept)))


def _cut(text: str) -> str:
    """``text`` cut to at most :data:`MAX_NAME_BYTES` bytes of UTF-8, between characters."""
    encoded = text.encode("utf-8")
    if len(encoded) <= MAX_NAME_BYTES:
        return text
    return encoded[:MAX_NAME_BYTES].decode("utf-8", errors="ignore")


def _trim(text: str) -> str:
    return text.strip("-. ")
