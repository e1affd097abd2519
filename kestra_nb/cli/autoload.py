"""`kestra-nb autoload on|off|status`: load the extension in every kernel of an environment.

IPython kernels read `<prefix>/etc/ipython/ipython_kernel_config.json` (a single shared file;
IPython reads no `*.d` directory). `on` merges
`{"InteractiveShellApp": {"extra_extensions": ["kestra_nb.notebook.autoload"]}}` into it,
keeping every other setting; `off` removes only that entry (and the file, if nothing else
is left in it); `status` prints the file and whether auto-load is on. `extra_extensions` is
used rather than `extensions` because a profile that assigns `extensions = [...]` replaces
the latter. Writes are atomic (temp file + rename); the previous file is kept as `.bak`.

`jupyter-config/ipython/ipython_kernel_config.json` in the source tree is the same snippet.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from ..atomic import backups_of, write_atomic
from ..errors import KestraNbError
from ..files import read_text

# The auto-load entry has a module name of its own (`kestra_nb.notebook.autoload`), so that a
# notebook's `%load_ext kestra_nb` is not "already loaded" to IPython; the plain name, which
# 0.1.0 wrote, is still recognised (and replaced by `on`, removed by `off`).
EXTENSION = "kestra_nb.notebook.autoload"
LEGACY = ("kestra_nb",)
OURS = (EXTENSION, *LEGACY)
SECTION = "InteractiveShellApp"
KEY = "extra_extensions"


class AutoloadError(KestraNbError):
    """The kernel config file cannot be read or is not a JSON object."""


def config_path(prefix: str | Path | None = None) -> Path:
    """`<prefix>/etc/ipython/ipython_kernel_config.json` (prefix defaults to `sys.prefix`)."""
    return (
        Path(prefix if prefix is not None else sys.prefix)
        / "etc/ipython/ipython_kernel_config.json"
    )


def read_config(path: Path) -> dict[str, Any]:
    """The file's JSON object; `{}` when the file does not exist."""
    try:
        text = read_text(path)  # a FIFO or device is refused unread
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError:
        raise AutoloadError(f"{path}: not UTF-8 text; left unchanged") from None
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AutoloadError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); left unchanged"
        ) from None
    if not isinstance(data, dict):
        raise AutoloadError(f"{path}: not a JSON object; left unchanged")
    return data


def _extensions(config: dict[str, Any], path: Path, key: str = KEY) -> list[Any]:
    section = config.get(SECTION, {})
    if not isinstance(section, dict):
        raise AutoloadError(f"{path}: {SECTION} is not an object; left unchanged")
    value = section.get(key, [])
    if not isinstance(value, list):
        raise AutoloadError(f"{path}: {SECTION}.{key} is not a list; left unchanged")
    return value


def _keys_holding(config: dict[str, Any], path: Path) -> list[str]:
    """Which of `extra_extensions` (ours) and `extensions` (set by hand) name the extension."""
    return [
        key for key in (KEY, "extensions") if any(e in OURS for e in _extensions(config, path, key))
    ]


def is_enabled(prefix: str | Path | None = None) -> bool:
    """Whether the kernel config of `prefix` auto-loads the extension."""
    path = config_path(prefix)
    return bool(_keys_holding(read_config(path), path))


def enable(prefix: str | Path | None = None) -> tuple[Path, bool]:
    """Add the extension; return (path, changed). Other settings are kept as they are."""
    path = config_path(prefix)
    config = read_config(path)
    extensions = _extensions(config, path)
    if EXTENSION in extensions:
        return path, False
    others = [e for e in extensions if e not in LEGACY]
    config.setdefault(SECTION, {})[KEY] = [*others, EXTENSION]
    _write(path, config)
    return path, True


def disable(prefix: str | Path | None = None) -> tuple[Path, bool]:
    """Remove the extension's entry (from `extra_extensions`, and from `extensions` where it
    was added by hand), nothing else; delete the file if nothing is left. Return (path,
    changed)."""
    path = config_path(prefix)
    config = read_config(path)
    keys = _keys_holding(config, path)
    if not keys:
        return path, False
    section = config[SECTION]
    for key in keys:
        remaining = [e for e in section[key] if e not in OURS]
        if remaining:
            section[key] = remaining
        else:
            del section[key]
    if not section:
        del config[SECTION]
    if config:
        _write(path, config)
    else:
        backups = backups_of(path)
        path.unlink()
        for backup in backups:  # the config held nothing but ours: its backups go too
            with contextlib.suppress(FileNotFoundError):
                backup.unlink()
    return path, True


def _write(path: Path, config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text, mode=0o644, overwrite=True, backup=True)


def run(args: argparse.Namespace) -> int:
    """The subcommand: `on`, `off` or `status`."""
    prefix = args.prefix
    if args.action == "on":
        path, changed = enable(prefix)
        state = "enabled" if changed else "already enabled"
        print(f"kestra_nb auto-load {state}: {path}")
    elif args.action == "off":
        path, changed = disable(prefix)
        state = "disabled" if changed else "was not enabled"
        print(f"kestra_nb auto-load {state}: {path}")
    else:
        path = config_path(prefix)
        keys = _keys_holding(read_config(path), path)
        if keys:
            print(f"on: {path} ({SECTION}.{keys[0]} holds {EXTENSION})")
        elif path.exists():
            print(f"off: {path} (exists, without {EXTENSION})")
        else:
            print(f"off: {path} (does not exist)")
    return 0


def register(subparsers: Any) -> None:
    """Add `autoload` to the `kestra-nb` command."""
    parser = subparsers.add_parser(
        "autoload",
        help="load kestra_nb in every IPython kernel of this environment (on|off|status)",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("action", choices=("on", "off", "status"))
    parser.add_argument(
        "--prefix",
        default=sys.prefix,
        help="the environment whose etc/ipython/ipython_kernel_config.json is changed "
        "(default: %(default)s)",
    )
    parser.set_defaults(func=run)
