"""Atomic file writes for files that may hold secrets.

A temp file in the target's directory is written, fsynced and renamed over the target, so a
reader never sees half a file and a crash never leaves one. Files are created with mode 0600
by default; an existing target is never replaced unless the caller says so, and then the old
content is kept as `<name>.bak` first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from .errors import KestraNbError


class TargetExistsError(KestraNbError, FileExistsError):
    """The target exists and overwriting was not asked for."""


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    mode: int = 0o600,
    overwrite: bool = False,
    backup: bool = True,
    encoding: str = "utf-8",
) -> Path | None:
    """Write `data` to `path` atomically and return the backup's path, if one was made.

    Text is written as given (no newline translation). With `overwrite=False` an existing
    target raises `TargetExistsError`, also when it appears while this runs (the new file
    is linked into place, which fails if the name is taken); with `overwrite=True` and
    `backup=True` the previous file is first copied to `<path>.bak` (mode 0600). A symlink
    is followed: the file it points to is replaced, and the link stays.
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.is_dir():
        raise IsADirectoryError(f"{target}: is a directory")
    exists = target.exists()
    if exists and not overwrite:
        raise TargetExistsError(f"{target}: already exists (use --force to replace it)")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():  # say so about the target, not about a temp file
        raise FileNotFoundError(2, "no such directory", str(directory))
    payload = data.encode(encoding) if isinstance(data, str) else data
    backup_path: Path | None = None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if exists and backup:
            backup_path = target.with_name(target.name + ".bak")
            _copy_private(target, backup_path)
        if overwrite:
            os.replace(tmp_name, target)
        else:
            try:
                os.link(tmp_name, target)  # atomic, and never replaces a file
            except FileExistsError:
                raise TargetExistsError(
                    f"{target}: already exists (use --force to replace it)"
                ) from None
            os.unlink(tmp_name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the FS allows it
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    return backup_path


def _copy_private(src: Path, dst: Path) -> None:
    """Copy `src` to `dst` atomically with mode 0600 (the backup may hold secrets too)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            shutil.copyfileobj(inp, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
