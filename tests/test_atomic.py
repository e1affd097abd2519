"""write_atomic: temp file + rename, mode 0600, no silent overwrite, rotated backups kept
under concurrent writers, special files refused."""

from __future__ import annotations

import errno
import multiprocessing
import os
import socket
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from kestra_nb.atomic import (
    SpecialFileError,
    TargetExistsError,
    backups_of,
    resolve_target,
    special_kind,
    write_atomic,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_file_is_private_and_complete(tmp_path: Path) -> None:
    target = tmp_path / ".env_encoded"
    assert write_atomic(target, "SECRET_A=YQ==\n") is None
    assert target.read_bytes() == b"SECRET_A=YQ==\n"
    assert _mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == [".env_encoded"]  # no temp file left


def test_existing_file_is_never_silently_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("old")
    with pytest.raises(TargetExistsError, match="already exists"):
        write_atomic(target, "new")
    assert target.read_text() == "old"


def test_overwrite_keeps_a_private_backup(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("old")
    target.chmod(0o644)
    backup = write_atomic(target, b"new", overwrite=True)
    assert backup == tmp_path / "out.bak"
    assert backup.read_text() == "old" and _mode(backup) == 0o600
    assert target.read_text() == "new" and _mode(target) == 0o600


def test_errors_name_the_target_not_a_temp_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        write_atomic(tmp_path / "no" / "such" / "file", "x")
    assert missing.value.filename == str(tmp_path / "no" / "such")
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        write_atomic(tmp_path, "x")
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, 42, overwrite=True)  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == ["out"]


def test_a_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real" / "cfg.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new", overwrite=True, backup=False)
    assert link.is_symlink() and real.read_text() == "new"


def test_no_overwrite_is_enforced_when_the_file_appears_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The existence check and the final step are apart in time: a file another process
    creates in between is still not replaced (the new file is hard-linked into place)."""
    target = tmp_path / "out"
    real_fsync = os.fsync

    def fsync_then_someone_writes(fd: int) -> None:  # runs between the check and the link
        real_fsync(fd)
        if not target.exists():
            target.write_text("someone else's")

    monkeypatch.setattr(os, "fsync", fsync_then_someone_writes)
    with pytest.raises(TargetExistsError):
        write_atomic(target, "mine")
    assert target.read_text() == "someone else's"
    assert sorted(os.listdir(tmp_path)) == ["out"]


# -- rotated backups -------------------------------------------------------------------------
def test_backups_rotate_and_none_is_ever_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("original")
    for n in range(1, 4):
        assert write_atomic(target, f"v{n}", overwrite=True) == tmp_path / "out.bak"
    # `.bak` is the newest backup; the original is in the lowest-numbered one
    assert [p.name for p in backups_of(target)] == ["out.bak", "out.bak.2", "out.bak.1"]
    assert [p.read_text() for p in backups_of(target)] == ["v2", "v1", "original"]
    assert all(_mode(p) == 0o600 for p in backups_of(target))
    # the same content written twice: the second write has nothing new to keep
    write_atomic(target, "v3", overwrite=True)
    assert len(backups_of(target)) == 4
    write_atomic(target, "v3", overwrite=True)
    assert [p.read_text() for p in backups_of(target)] == ["v3", "v2", "v1", "original"]
    # a stray numbered file is never overwritten: the next number is above the highest
    (tmp_path / "out.bak.7").write_text("someone's")
    write_atomic(target, "v4", overwrite=True)  # `.bak` already holds v3: kept as it is
    write_atomic(target, "v5", overwrite=True)
    assert (tmp_path / "out.bak.8").read_text() == "v3"
    assert (tmp_path / "out.bak.7").read_text() == "someone's"
    assert (tmp_path / "out.bak").read_text() == "v4"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_without_hard_links_backups_still_rotate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "out"
    target.write_text("original")
    write_atomic(target, "v1", overwrite=True)
    write_atomic(target, "v2", overwrite=True)
    assert [p.read_text() for p in backups_of(target)] == ["v1", "original"]
    assert target.read_text() == "v2"


def _writer(target: str, text: str, start: Any) -> str:
    start.wait()
    backup = write_atomic(target, text, overwrite=True)
    return os.fspath(backup)


def test_eight_concurrent_writers_lose_no_original(tmp_path: Path) -> None:
    """Eight processes replace one file at once: every content, the original first of all,
    survives in the file or one of its backups, and each writer's backup exists."""
    target = tmp_path / ".env_encoded"
    target.write_text("SECRET_ORIGINAL=b3JpZ2luYWw=\n")
    context = multiprocessing.get_context("spawn")
    texts = [f"SECRET_W{i}=dw==\n" for i in range(8)]
    with context.Manager() as manager:
        start = manager.Barrier(8)
        with context.Pool(8) as pool:
            backups = pool.starmap(_writer, [(str(target), t, start) for t in texts])
    kept = [p.read_text() for p in backups_of(target)]
    assert "SECRET_ORIGINAL=b3JpZ2luYWw=\n" in kept
    assert sorted([target.read_text(), *kept]) == sorted(["SECRET_ORIGINAL=b3JpZ2luYWw=\n", *texts])
    assert all(Path(b).exists() for b in backups)
    assert all(_mode(p) == 0o600 for p in backups_of(target))
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# -- special files -----------------------------------------------------------------------------
def _in_thread(call: Any, timeout: float = 10.0) -> BaseException | None:
    """Run `call` in a thread; fail if it blocks (as opening a FIFO for reading would)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "blocked on a special file"
    return errors[0] if errors else None


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_fifo_a_socket_and_a_link_to_them_are_refused_unopened(
    tmp_path: Path, overwrite: bool
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    link = tmp_path / "link"
    link.symlink_to(fifo)
    try:
        for path, what in [
            (fifo, "is a FIFO (named pipe), not a regular file"),
            (link, "is a FIFO (named pipe), not a regular file"),
            (sock_path, "is a socket, not a regular file"),
        ]:
            error = _in_thread(lambda p=path: write_atomic(p, "x", overwrite=overwrite))
            assert isinstance(error, SpecialFileError) and isinstance(error, OSError)
            assert str(error).endswith(what), error
            assert error.strerror == what
    finally:
        sock.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe", "sock"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and link.is_symlink()


def test_devices_are_named_and_never_replaced() -> None:
    with pytest.raises(SpecialFileError, match=r"^/dev/null: is a character device"):
        resolve_target("/dev/null")
    assert special_kind(os.stat("/dev/null").st_mode) == "a character device"
    assert special_kind(stat.S_IFBLK) == "a block device"
    assert special_kind(stat.S_IFREG) is None and special_kind(stat.S_IFDIR) is None
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_directory_as_backup_name_is_said_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("old")
    (tmp_path / "out.bak").mkdir()
    with pytest.raises(IsADirectoryError, match=r"out\.bak: is a directory"):
        write_atomic(target, "new", overwrite=True)
    assert target.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
