"""What every store of uploaded files keeps to: a size limit read from the configuration, a folder outside
the web root, a name cleaned before it is kept, content that is what it claims to be, and keys (random names)
that cannot point outside the folder.

The stores (``consultations/attachments.py``, ``specialists/evidence.py``, ``library/uploads.py``) choose
their kinds and word their own refusals (each message stays in its module, under its translation); this
module holds the checks they share and translates nothing.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

MAX_NAME_CHARS = 200
MARKUP = '<>"'
# A file's first bytes, by kind (the extension, without its dot).
MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff"}
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
CONTENT_TYPES = "[Content_Types].xml"  # every Office (OOXML) package holds it


@dataclass(frozen=True)
class Store:
    """One folder of uploaded files: ``max_bytes_key`` and ``folder_key`` name the configuration values
    (``None`` or 0 there: ``default_max_bytes`` and the instance folder's ``folder_name``); ``kinds`` are
    the extensions its keys may end with."""

    max_bytes_key: str
    default_max_bytes: int
    folder_key: str
    folder_name: str
    kinds: tuple[str, ...]

    def max_bytes(self) -> int:
        return int(current_app.config.get(self.max_bytes_key) or self.default_max_bytes)

    def read(self, stream: Any) -> bytes:
        """The stream's bytes, one more than the limit at most (so that ``too_big`` sees an excess)."""
        return stream.read(self.max_bytes() + 1)

    def too_big(self, content: bytes) -> bool:
        return len(content) > self.max_bytes()

    def folder(self) -> Path:
        configured = current_app.config.get(self.folder_key)
        path = Path(configured) if configured else Path(current_app.instance_path) / self.folder_name
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return path

    def _key_pattern(self) -> re.Pattern[str]:
        return re.compile(r"^[0-9a-f]{32}\.(%s)$" % "|".join(re.escape(kind) for kind in self.kinds))

    def save(self, content: bytes, kind: str) -> str:
        """Write ``content`` under a new random name ending in ``.kind`` (readable by this process only,
        replaced in one step: a reader never sees half a file); returns that name, the file's key."""
        if kind not in self.kinds:
            raise ValueError(f"{kind!r} is not a kind this store keeps")
        key = f"{secrets.token_hex(16)}.{kind}"
        target = self.folder() / key
        temporary = target.with_suffix(target.suffix + ".part")
        with open(temporary, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
        return key

    def path_of(self, key: str | None) -> Path | None:
        """Where a stored file is, or ``None`` when the key is not one of ours (anything but a random name of
        one of the store's kinds: no folder part, no ``..``) or the file is gone."""
        if not key or not self._key_pattern().match(key):
            return None
        path = self.folder() / key
        return path if path.is_file() else None

    def erase(self, key: str | None) -> None:
        path = self.path_of(key)
        if path is not None:
            path.unlink(missing_ok=True)


def clean_name(name: str | None, *, fallback: str = "", keep_end: bool = False, drop: str = MARKUP) -> str:
    """The file name a browser sent, safe to keep and to show: no folders (either slash), no control
    characters, none of ``drop``, at most ``MAX_NAME_CHARS`` characters (the last ones when ``keep_end``,
    so that the extension survives), ``fallback`` when nothing is left."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ord(ch) >= 32 and ord(ch) != 127 and ch not in drop)
    name = name[-MAX_NAME_CHARS:] if keep_end else name[:MAX_NAME_CHARS]
    return name or fallback


def starts_as(content: bytes, kind: str) -> bool:
    """True when the bytes begin as a file of ``kind`` does (one of ``MAGIC``)."""
    return content.startswith(MAGIC[kind])


def sniff(content: bytes, kinds: tuple[str, ...]) -> str | None:
    """The first of ``kinds`` (keys of ``MAGIC``) the bytes begin as, else None."""
    return next((kind for kind in kinds if starts_as(content, kind)), None)


@dataclass(frozen=True)
class ZipContents:
    names: frozenset[str]
    members: int
    unpacked: int  # bytes, as the archive declares them

    def holds_office_part(self, part: str) -> bool:
        """True when the archive is an Office package holding ``part`` (``word/document.xml``...)."""
        return CONTENT_TYPES in self.names and part in self.names

    @property
    def has_macros(self) -> bool:
        return any(name.lower().endswith("vbaproject.bin") for name in self.names)


def zip_contents(content: bytes) -> ZipContents | None:
    """What a ZIP archive holds (read from its directory, nothing unpacked), or None when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return ZipContents(frozenset(info.filename for info in infos), len(infos), sum(i.file_size for i in infos))


def text_of(content: bytes, encodings: tuple[str, ...]) -> str | None:
    """The bytes read in the first of ``encodings`` that reads them, else None."""
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def has_control_characters(text: str) -> bool:
    """True when the text holds a control character other than a tab or a line end."""
    return any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)
