"""A stand-in Kestra server checked against Kestra's OpenAPI description (see `server`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .server import KestraStandin
from .spec import SPEC_RELATIVE

__all__ = [
    "PASSWORD",
    "SECRET_VALUE",
    "USER",
    "KestraStandin",
    "running_standin",
    "standin",
]

USER = "admin@kestra.io"
#: a password with a quote, a tab, unicode and a line break: it must never show anywhere
PASSWORD = "p'a\"ss\twörd☃\nline2"
#: a SECRET the stand-in's flows log in clear (its tests check it is masked)
SECRET_VALUE = "s3cr3t-API-t0ken-9f2c7e"


def running_standin(shared_dir: Path, **options: Any) -> Iterator[KestraStandin]:
    """Start a stand-in for one test, stop it after, and fail if it saw an invalid request.

    Use from a fixture: `yield from running_standin(shared_dir)`.
    """
    options.setdefault("user", USER)
    options.setdefault("password", PASSWORD)
    options.setdefault("secrets", {"API_TOKEN": SECRET_VALUE})
    standin = KestraStandin(shared_dir / SPEC_RELATIVE, **options).start()
    try:
        yield standin
    finally:
        standin.stop()
    assert not standin.problems, "the stand-in saw invalid traffic:\n" + "\n".join(standin.problems)


#: `with standin(shared_dir, logs_end="hold") as kestra:` for tests that need other options
standin = contextlib.contextmanager(running_standin)
