"""Reading a bundle someone handed over: a zip file treated as hostile input, never extracted by name.

Before any member is read, every entry is checked: a name that is absolute, climbs out (`..`), uses a
backslash or a drive letter, holds control characters, or repeats another entry's name is refused; so are
symlink entries, encrypted entries, compression methods other than stored and deflate, more than
`max_entries` entries, a declared total over `max_total` bytes, and a member whose declared size is more
than `max_ratio` times its compressed size (a zip bomb). While a member is read its bytes are counted, so a
header that understates the size cannot smuggle more past the bounds; zipfile itself checks each CRC and
refuses overlapping entries. Members are read into memory or streamed; nothing is written to disk.

Written by hand over the standard zipfile: no maintained library does these checks for reading (zipfile's
own `extract` sanitises names but writes to disk, which a verifier must not do).
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
MAX_NAME = 512  # characters of an entry name


class NotABundle(ValueError):
    """The file is not a zip archive at all (exit 2)."""


class UnsafeBundle(ValueError):
    """A zip archive that may not be read: a hostile name, a bomb, a corrupt member (exit 1)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_entries: int = 10_000
    max_total: int = 16 * 1024**3  # bytes, all members uncompressed
    max_ratio: int = 200  # uncompressed / compressed, for members over 1 MiB
    max_name: int = MAX_NAME


def name_problem(name: str, max_name: int = MAX_NAME) -> str | None:
    """Why `name` may not be a bundle entry, or None when it is a safe relative POSIX path."""
    if not name:
        return "empty name"
    if len(name) > max_name:
        return f"name longer than {max_name} characters"
    if _CONTROL.search(name):
        return "control character in name"
    if "\\" in name:
        return "backslash in name"
    if name.startswith("/"):
        return "absolute path"
    if re.match(r"[A-Za-z]:", name):
        return "drive letter in name"
    parts = name.removesuffix("/").split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "empty, '.' or '..' path segment (path traversal)"
    return None


class SafeZip:
    """A bundle opened for reading; `names` are its file entries, all already checked."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        if path.stat().st_size > self.limits.max_total:  # zipfile parses the whole central directory first
            raise UnsafeBundle(f"{path.name} is larger than {self.limits.max_total} bytes")
        try:
            self._zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise NotABundle(f"{path.name} is not a zip file: {exc}") from exc
        try:
            self.infos = self._check(self._zf.infolist())
        except UnsafeBundle:
            self._zf.close()
            raise
        self.names = list(self.infos)

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zf.close()

    def _check(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        lim = self.limits
        if len(infos) > lim.max_entries:
            raise UnsafeBundle(f"{len(infos)} entries, more than the {lim.max_entries} allowed")
        seen: dict[str, zipfile.ZipInfo] = {}
        total = 0
        for info in infos:
            name = info.orig_filename
            problem = name_problem(name, lim.max_name)
            if problem:
                raise UnsafeBundle(f"entry {name[:200]!r}: {problem}")
            if name in seen or name.removesuffix("/") in seen or name + "/" in seen:
                raise UnsafeBundle(f"entry {name!r}: duplicate name")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafeBundle(f"entry {name!r}: a symbolic link")
            if info.flag_bits & 0x1:
                raise UnsafeBundle(f"entry {name!r}: encrypted")
            if info.compress_type not in _METHODS:
                raise UnsafeBundle(f"entry {name!r}: compression method {info.compress_type} not allowed")
            if info.is_dir():
                if info.file_size:
                    raise UnsafeBundle(f"entry {name!r}: a directory with content")
                continue
            total += info.file_size
            if total > lim.max_total:
                raise UnsafeBundle(f"members total more than {lim.max_total} bytes uncompressed (zip bomb?)")
            if info.file_size > 1 << 20 and info.file_size > lim.max_ratio * max(1, info.compress_size):
                raise UnsafeBundle(
                    f"entry {name!r}: compressed {info.file_size // max(1, info.compress_size)}:1, "
                    f"over the {lim.max_ratio}:1 allowed (zip bomb)"
                )
            seen[name] = info
        return seen

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def open(self, name: str) -> _Counted:
        """A stream of one member that fails (UnsafeBundle) past its declared size or on a corrupt member."""
        return _Counted(self._zf.open(self.infos[name]), name, self.infos[name].file_size)

    def read(self, name: str, limit: int) -> bytes:
        """A whole member, which must be at most `limit` bytes."""
        if self.size(name) > limit:
            raise UnsafeBundle(f"{name}: {self.size(name)} bytes, more than the {limit} allowed for it")
        with self.open(name) as fh:
            return fh.read()


class _Counted:
    """Reads a zip member, checking its position against its declared size and turning zip faults into
    UnsafeBundle errors that name the member."""

    def __init__(self, raw: IO[bytes], name: str, declared: int) -> None:
        self._raw, self.name, self._declared = raw, name, declared

    def __enter__(self) -> _Counted:
        return self

    def __exit__(self, *exc: object) -> None:
        self._raw.close()

    def close(self) -> None:
        self._raw.close()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._raw.seekable()

    def tell(self) -> int:
        return self._raw.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._raw.seek(offset, whence)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise UnsafeBundle(f"{self.name}: corrupt member: {exc}") from exc

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._raw.read(n)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise UnsafeBundle(f"{self.name}: corrupt member: {exc}") from exc
        if self._raw.tell() > self._declared:
            raise UnsafeBundle(f"{self.name}: more bytes than its header declares (zip bomb?)")
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
