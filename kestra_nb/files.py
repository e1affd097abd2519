"""Reading input files safely: regular files only, never more than `max_input_mb`.

A directory, character or block device (`/dev/zero`), FIFO or socket is refused *before*
anything is read, with a one-line `SpecialFileError` saying what it is ("/dev/zero: is a
character device, not a regular file"). The file is opened non-blocking (a FIFO swapped in
after the check never blocks) and checked again on the open descriptor; a regular file
larger than `Limits.max_input_mb` is refused with `LimitExceeded` before it is read.
Every reader of user files in kestra_nb goes through `read_bytes` / `read_text`.
"""

from __future__ import annotations

import os
import stat

from .atomic import SpecialFileError, special_kind
from .limits import LimitExceeded, current

__all__ = ["check_regular", "read_bytes", "read_text"]


def _kind(mode: int) -> str | None:
    if stat.S_ISDIR(mode):
        return "a directory"
    return special_kind(mode)


def check_regular(path: str | os.PathLike[str]) -> None:
    """Raise `SpecialFileError` if `path` is a directory, device, FIFO or socket (`os.stat`
    only: nothing is opened); `FileNotFoundError` (an `OSError`) if it does not exist."""
    kind = _kind(os.stat(path).st_mode)
    if kind is not None:
        raise SpecialFileError(path, kind)


def read_bytes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The content of the regular file `path`. Special files raise `SpecialFileError`,
    a file above `max_bytes` (default: `max_input_mb`) `LimitExceeded`, others `OSError`."""
    limits = current()
    cap = limits.max_input_bytes if max_bytes is None else max_bytes
    check_regular(path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        kind = _kind(st.st_mode)
        if kind is not None:
            raise SpecialFileError(path, kind)
        if st.st_size > cap:
            raise LimitExceeded("max_input_mb", cap / 1_000_000, where=f"reading {os.fspath(path)}")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:  # the file grew while we read it
                raise LimitExceeded(
                    "max_input_mb", cap / 1_000_000, where=f"reading {os.fspath(path)}"
                )
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(
    path: str | os.PathLike[str], *, encoding: str = "utf-8", max_bytes: int | None = None
) -> str:
    """`read_bytes(path)` decoded (`UnicodeDecodeError` when it is not `encoding`)."""
    return read_bytes(path, max_bytes=max_bytes).decode(encoding)
