"""Atomic file writes for files that may hold secrets, keeping every original.

A temp file in the target's directory is written, fsynced and renamed over the target, so a
reader never sees half a file and a crash never leaves one. Files are created with mode 0600
by default; an existing target is never replaced unless the caller says so, and then the old
content is kept as `<name>.bak` first. Backups rotate and are never overwritten: when a
`<name>.bak` already holds other content it is first moved to a fresh `<name>.bak.N`
(N one above the highest there), so `.bak` is always the newest backup and the original
stays in the lowest-numbered one. Every writer of kestra_nb (CLI `encode`, `--save`, the
panel, `scan --fix`) goes through `write_atomic`.

Concurrent writers cannot lose an original: the backup and the rename happen under an
exclusive `flock` of the target's directory, backups are put in place with `os.link` (or an
`O_EXCL` create where a filesystem has no hard links), which never replaces a file, and a
backup's old name is only removed once the same file is reachable under its new one.

A directory, device, FIFO or socket is refused as a target before anything is read or
written (`os.stat` only: a FIFO is never opened).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import KestraNbError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks; writes stay atomic
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "SpecialFileError",
    "TargetExistsError",
    "backups_of",
    "resolve_target",
    "special_kind",
    "write_atomic",
]

_CHUNK = 1 << 16


class TargetExistsError(KestraNbError, FileExistsError):
    """The target exists and overwriting was not asked for."""


class SpecialFileError(KestraNbError, OSError):
    """The path is a device, FIFO or socket: never read, written or replaced."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(errno.EINVAL, f"is {kind}, not a regular file", os.fspath(path))

    def __str__(self) -> str:
        return f"{self.filename}: {self.strerror}"


def special_kind(mode: int) -> str | None:
    """What a file of `st_mode` is when it is neither a regular file nor a directory
    (`a FIFO (named pipe)`, `a character device`, ...), else None."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _refuse(target: Path, st: os.stat_result) -> None:
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"{target}: is a directory")
    kind = special_kind(st.st_mode)
    if kind is not None:
        raise SpecialFileError(target, kind)


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to `path` replaces: a symlink is followed (the link stays); a
    directory (`IsADirectoryError`), device, FIFO or socket (`SpecialFileError`) is refused.

    Only `os.stat` is used, so nothing is opened; a missing target is fine.
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    _refuse(target, st)
    return target


def backups_of(path: str | os.PathLike[str]) -> list[Path]:
    """The backups `write_atomic` kept of `path`, newest first: `.bak`, then `.bak.N` from
    the highest N down (a symlink is followed, as writes follow it)."""
    real = Path(os.path.realpath(path))
    bak = real.with_name(real.name + ".bak")
    found = sorted(_numbered(bak).items(), reverse=True)
    head = [bak] if os.path.lexists(bak) else []
    return head + [p for _n, p in found]


def _numbered(bak: Path) -> dict[int, Path]:
    """`<name>.bak.N` files beside `bak`, by N."""
    pattern = re.compile(re.escape(bak.name) + r"\.([0-9]+)")
    out: dict[int, Path] = {}
    try:
        names = os.listdir(bak.parent)
    except OSError:
        return out
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            out[int(match.group(1))] = bak.parent / name
    return out


def write_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    mode: int = 0o600,
    overwrite: bool = False,
    backup: bool = True,
    encoding: str = "utf-8",
) -> Path | None:
    """Write `data` to `path` atomically and return the backup's path, if one is kept.

    Text is written as given (no newline translation). With `overwrite=False` an existing
    target raises `TargetExistsError`, also when it appears while this runs (the new file
    is linked into place, which fails if the name is taken); with `overwrite=True` and
    `backup=True` the previous file is first kept as `<path>.bak` (mode 0600), an older
    `.bak` moving to a fresh `<path>.bak.N` (see the module's docstring); a `.bak` that
    already holds the previous content is kept as it is. A symlink is followed: the file it
    points to is replaced, and the link stays. A directory, device, FIFO or socket is
    refused before anything is read or written.
    """
    target = resolve_target(path)
    exists = os.path.lexists(target)
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
        with _directory_lock(directory):
            try:
                st: os.stat_result | None = os.stat(target)
            except FileNotFoundError:
                st = None
            if st is not None:
                _refuse(target, st)  # it may have changed since the first look
                if backup and overwrite:
                    backup_path = _keep_backup(target)
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
    _fsync_directory(directory)
    return backup_path


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `directory` (writers of one directory take turns).

    Where a directory cannot be opened or locked (no `fcntl`, some network filesystems),
    the block runs unlocked: backups are still only ever added, never replaced.
    """
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _keep_backup(real: Path) -> Path:
    """Keep the current content of `real` as `<name>.bak`; return that path."""
    bak = real.with_name(real.name + ".bak")
    if _same_content(bak, real):
        return bak  # the newest backup already holds it: nothing would be lost
    copy = _private_copy(real)
    try:
        while True:
            try:
                _place(copy, bak)
                return bak
            except FileExistsError:
                _move_aside(bak)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(copy)


def _same_content(a: Path, b: Path) -> bool:
    """Whether the regular file `a` holds the same bytes as `b` (`a` is never opened unless
    it is a regular file)."""
    try:
        sa, sb = os.lstat(a), os.stat(b)
    except OSError:
        return False
    if not stat.S_ISREG(sa.st_mode) or sa.st_size != sb.st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            chunk = fa.read(_CHUNK)
            if chunk != fb.read(_CHUNK):
                return False
            if not chunk:
                return True


def _private_copy(src: Path) -> Path:
    """A fsynced copy of `src` in its directory, mode 0600 (a backup may hold secrets)."""
    fd, name = tempfile.mkstemp(prefix=f".{src.name}.", suffix=".bak.tmp", dir=src.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
            while chunk := inp.read(_CHUNK):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    return Path(name)


def _place(src: Path, dest: Path) -> None:
    """Give the regular file `src` the new name `dest`; `FileExistsError` if it is taken.

    A hard link where the filesystem has them, else an `O_EXCL` copy: never a replace.
    """
    try:
        os.link(src, dest, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
        while chunk := inp.read(_CHUNK):
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())


def _move_aside(bak: Path) -> None:
    """Give the existing `bak` a fresh `<bak>.N` name (one above the highest N), then drop
    the old name if it still is that same file."""
    try:
        before = os.lstat(bak)
    except FileNotFoundError:
        return  # gone meanwhile: the caller retries its link
    if stat.S_ISDIR(before.st_mode):
        raise IsADirectoryError(f"{bak}: is a directory, so no backup can be kept there")
    n = max(_numbered(bak), default=0) + 1
    while True:
        dest = bak.with_name(f"{bak.name}.{n}")
        try:
            if stat.S_ISREG(before.st_mode):
                _place(bak, dest)
            else:  # a symlink or a special file named .bak: moved as it is, never opened
                os.link(bak, dest, follow_symlinks=False)
            break
        except FileExistsError:
            n += 1
    with contextlib.suppress(FileNotFoundError):
        now = os.lstat(bak)
        if (now.st_ino, now.st_dev, now.st_mtime_ns, now.st_size) == (
            before.st_ino,
            before.st_dev,
            before.st_mtime_ns,
            before.st_size,
        ):
            os.unlink(bak)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the filesystem allows it."""
    with contextlib.suppress(OSError):
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
