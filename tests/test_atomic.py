"""write_atomic: temp file + rename, mode 0600, no silent overwrite, a backup kept."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kestra_nb.atomic import TargetExistsError, write_atomic


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
