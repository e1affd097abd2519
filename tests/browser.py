"""Start a throw-away JupyterLab for real-browser tests, and always stop it again.

`jupyterlab(root)` runs `python -m jupyterlab` from the interpreter under test on a free
loopback port with a random token; HOME, the Jupyter config/data/runtime directories, the
IPython profile and the lab settings and workspaces are isolated under `root`'s parent, so a
developer's own setup never leaks in. Widget state saving (`saveState`) is switched on in the
isolated user settings, as a user who wants widgets in saved notebooks would have it, and the
news pop-up is switched off. The server is stopped (SIGTERM, then SIGKILL) even when the
test fails; its log is kept in `<base>/lab.log` for the failure message.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"

_SETTINGS = {
    # Save widget state into the notebook on save: the setting that makes a leak possible.
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
    # No "receive Jupyter news?" toast over the notebook.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass
class Lab:
    """A running JupyterLab: where it serves, its token and its notebook directory."""

    url: str
    token: str
    root: Path
    log: Path

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def isolated_env(base: Path) -> dict[str, str]:
    """The environment for the server and its kernels: nothing from the user's setup."""
    dirs = {
        "HOME": base / "home",
        "JUPYTER_CONFIG_DIR": base / "jupyter-config",
        "JUPYTER_DATA_DIR": base / "jupyter-data",
        "JUPYTER_RUNTIME_DIR": base / "jupyter-runtime",
        "IPYTHONDIR": base / "ipython",
        "JUPYTERLAB_SETTINGS_DIR": base / "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "lab-workspaces",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    for name, content in _SETTINGS.items():
        target = dirs["JUPYTERLAB_SETTINGS_DIR"] / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(content))
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_", "ENV_", "JUPYTER", "IPYTHON"))
    }
    env.update({k: str(v) for k, v in dirs.items()})
    env.update(
        JUPYTER_PLATFORM_DIRS="1",
        PYTHONDONTWRITEBYTECODE="1",
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


@contextmanager
def jupyterlab(root: Path, *, timeout: float = 60.0) -> Iterator[Lab]:
    """Run JupyterLab serving `root` until the block ends (and stop it even on failure)."""
    base = root.parent
    port = free_port()
    token = secrets.token_hex(16)
    log = base / "lab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            env=isolated_env(base),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its kernels are in its process group: stop them too
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        _wait_until_up(lab, proc, timeout)
        yield lab
    finally:
        try:
            _shutdown_kernels(lab)
        finally:
            _stop(proc)


def _api(lab: Lab, path: str, method: str = "GET") -> object:
    req = urllib.request.Request(f"{lab.url}{path}?token={lab.token}", method=method)
    with urllib.request.urlopen(req, timeout=5) as resp:
        body = resp.read()
    return json.loads(body) if body else None


def _shutdown_kernels(lab: Lab) -> None:
    """Ask the server to shut its kernels down (they run in their own sessions)."""
    try:
        kernels = _api(lab, "/api/kernels")
    except (urllib.error.URLError, OSError, ValueError):
        return
    for kernel in kernels if isinstance(kernels, list) else []:
        with suppress(urllib.error.URLError, OSError, ValueError):
            _api(lab, f"/api/kernels/{kernel['id']}", method="DELETE")


def _wait_until_up(lab: Lab, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    status = f"{lab.url}/api/status?token={lab.token}"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{lab.log_tail()}")
        try:
            with urllib.request.urlopen(status, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n{lab.log_tail()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group; SIGKILL what is left of it."""
    if proc.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    with suppress(ProcessLookupError):  # whatever of its group outlived the server
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait(timeout=5)
