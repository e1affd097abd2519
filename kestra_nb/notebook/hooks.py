"""Mask secrets in every output channel of a live ipykernel (7.x) / IPython (9.x) kernel.

Where each channel is hooked, and why there (see `docs/secrets-and-masking.md`):

- **stdout / stderr** (print, `!shell`, `logging`, and fd-level output of subprocesses and C
  code, which ipykernel pipes back into the same `OutStream`): the `_flush_buffers` method of
  each `OutStream` *instance* is replaced. It runs on the IOPub thread for every outgoing
  stream message, whoever wrote the text, and IPython 9's `_tee` (which restores
  `stream.write` after every cell) does not touch it. Text goes through one `MaskStream` per
  stream and parent message, so a secret split across writes and across flushes is still
  masked: a tail that could still become a secret is held back until more text arrives or
  the cell ends (`release`, on `post_run_cell`).
- **rich output** (`display_data`, `update_display_data`, `execute_result`): hooks on
  `shell.display_pub` and `shell.displayhook` mask every str in the message content (every
  mimetype, JSON values, metadata).
- **errors**: `shell._showtraceback` is wrapped; the exception message and every traceback
  line are masked (ipykernel also keeps that traceback for the `execute_reply`).
- **safety net**: the kernel session's `send` masks `execute_reply` (its `evalue` is taken
  from the raw exception), `inspect_reply` (the Shift+Tab tooltip), `complete_reply`,
  `history_reply`, the debugger's `debug_reply`/`debug_event`, `input_request` prompts, and
  rich messages published from threads other than the shell thread (ipykernel's display
  hooks are thread-local). Widget comm messages are not touched (masking a trait would
  write `******` back into the widget's model).

Base64 image payloads (`image/png`, `image/jpeg`, ...) are left alone: they are not text,
and a short secret could match inside them by chance and corrupt the image.

Everything is removable (`OutputMasking.uninstall`), and `enabled = False` passes output
through unmasked (text already held back is still released masked).
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kestra_nb.masking import Masker, MaskStream

__all__ = ["OutputMasking", "install_output_masking"]

_RICH = frozenset({"display_data", "update_display_data", "execute_result", "error"})
# Base64-encoded binary payloads: a short secret would match by chance and corrupt the image.
_BINARY_PREFIXES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp")
_BINARY = frozenset({"application/pdf"})
_Parent = dict[str, Any]
# Replies that can quote a value: `execute_reply` (its `evalue`, `user_expressions`, pager
# payloads), `inspect_reply` (the Shift+Tab tooltip and contextual help show a variable's
# string form), `complete_reply`, `history_reply`, the debugger's `debug_reply` and
# `debug_event` (its variables panel shows values); and the prompt of `input_request`.
_REPLIES = frozenset(
    {
        "execute_reply",
        "inspect_reply",
        "complete_reply",
        "history_reply",
        "debug_reply",
        "debug_event",
        "input_request",
    }
)


def _patch(obj: Any, name: str, replacement: Any) -> Callable[[], None]:
    """Set `obj.<name> = replacement`; return what undoes it: the instance attribute that
    was there before (another tool's hook) comes back, or the class's own shows again. Does
    nothing if someone replaced ours meanwhile (their hook stays)."""
    had = name in obj.__dict__
    previous = obj.__dict__.get(name)
    setattr(obj, name, replacement)

    def restore() -> None:
        if obj.__dict__.get(name) == replacement:
            if had:
                setattr(obj, name, previous)
            else:
                del obj.__dict__[name]

    return restore


def install_output_masking(shell: Any, masker: Masker) -> OutputMasking:
    """Mask `masker`'s secrets in all output of `shell`'s kernel from now on; see the module."""
    masking = OutputMasking(shell, masker)
    masking.install()
    return masking


class _StreamMasking:
    """Replaces one `OutStream`'s `_flush_buffers` with a masking, holding-back version."""

    def __init__(self, owner: OutputMasking, stream: Any) -> None:
        self.owner = owner
        self.stream = stream
        self.original: Callable[[], Iterator[tuple[_Parent, str]]] = stream._flush_buffers
        self.lock = threading.Lock()
        # one MaskStream per parent header (output of different cells is never mixed)
        self.pending: dict[frozenset[Any], tuple[_Parent, MaskStream]] = {}
        self.release_requested = False

    def install(self) -> None:
        self._restore = _patch(self.stream, "_flush_buffers", self.flush_buffers)

    def uninstall(self) -> None:
        self._restore()
        # Text still held (written between the last release and now) goes back, masked, into
        # the stream's own buffers, ahead of anything written since.
        with self.lock:
            held = list(self._release_all())
        if any(text for _, text in held):
            with self.stream._buffer_lock:
                buffers = self.stream._buffers
                for parent, text in held:
                    key = frozenset(parent.items())
                    rest = buffers[key].getvalue() if key in buffers else ""
                    buffers[key] = io.StringIO()
                    buffers[key].write(text + rest)
            self.stream.flush()

    def flush_buffers(self) -> Iterator[tuple[_Parent, str]]:
        """What ipykernel's `_flush` sends: the masked, safe part of each parent's text."""
        with self.lock:
            out = list(self._masked())
        yield from out

    def _masked(self) -> Iterator[tuple[_Parent, str]]:
        owner = self.owner
        release, self.release_requested = self.release_requested, False
        if not owner.enabled or not owner.installed:
            yield from self._release_all()
            yield from self.original()
            return
        for parent, data in self.original():
            key = frozenset(parent.items())
            entry = self.pending.get(key)
            if entry is None:
                entry = self.pending[key] = (parent, owner.masker.stream())
            masked = entry[1]
            text = masked.write(data)
            text += masked.flush() if release else masked.drain()
            yield parent, text
        if release:
            yield from self._release_all()
        else:  # text held for an earlier parent (an earlier cell) is final by now
            for key in [k for k, (_, ms) in self.pending.items() if not ms.pending]:
                del self.pending[key]

    def _release_all(self) -> Iterator[tuple[_Parent, str]]:
        entries, self.pending = list(self.pending.values()), {}
        for parent, masked in entries:
            yield parent, masked.flush()

    def release(self) -> None:
        """Send everything held back (masked) before the cell's reply goes out."""
        self.release_requested = True
        if getattr(self.stream, "pub_thread", None) is not None:
            self.stream.flush()


class OutputMasking:
    """The installed hooks of one kernel shell; see `install_output_masking`."""

    def __init__(self, shell: Any, masker: Masker) -> None:
        self.shell = shell
        self.masker = masker
        self.installed = False
        self._enabled = True
        self._streams: list[_StreamMasking] = []
        self._thread = threading.get_ident()
        self._session: Any = None
        self._session_send: Callable[..., Any] | None = None
        self._original_showtraceback: Callable[..., Any] | None = None
        self._restores: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        return (
            f"OutputMasking(installed={self.installed}, enabled={self._enabled}, "
            f"secrets={len(self.masker)})"
        )

    @property
    def enabled(self) -> bool:
        """Whether output is masked; `False` passes output through (for debugging)."""
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        value = bool(value)
        if self._enabled and not value:
            self._enabled = value
            self.release()  # held-back text is released masked before raw output starts
        self._enabled = value

    # -- install / uninstall

    def install(self) -> None:
        """Hook every channel (idempotent)."""
        if self.installed:
            return
        shell = self.shell
        self._thread = threading.get_ident()
        for stream in _out_streams():
            hooked = _StreamMasking(self, stream)
            hooked.install()
            self._streams.append(hooked)
        # ipykernel >= 7: both publishers take transform hooks (thread-local: this thread).
        for target in (getattr(shell, "display_pub", None), getattr(shell, "displayhook", None)):
            register = getattr(target, "register_hook", None)
            if register is not None:
                register(self._mask_msg)
        self._original_showtraceback = shell._showtraceback
        self._restores = [_patch(shell, "_showtraceback", self._showtraceback)]
        self._wrap_session()
        shell.events.register("post_run_cell", self._post_run_cell)
        self.installed = True

    def uninstall(self) -> None:
        """Release held-back text and remove every hook; later output is raw again."""
        if not self.installed:
            return
        self.release()
        self.installed = False
        shell = self.shell
        for hooked in self._streams:
            hooked.uninstall()
        self._streams = []
        for target in (getattr(shell, "display_pub", None), getattr(shell, "displayhook", None)):
            unregister = getattr(target, "unregister_hook", None)
            if unregister is not None:
                unregister(self._mask_msg)
        for restore in reversed(self._restores):
            restore()
        self._restores = []
        self._session = None
        with contextlib.suppress(ValueError):
            shell.events.unregister("post_run_cell", self._post_run_cell)

    def release(self) -> None:
        """Flush text held back in the streams (masked); called after every cell."""
        for hooked in list(self._streams):
            hooked.release()

    def _post_run_cell(self, *_args: Any) -> None:
        self.release()

    # -- rich output and errors

    def _active(self) -> bool:
        return self.installed and self._enabled

    def _mask_msg(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Display and execute_result hook: mask every str in the content."""
        if self._active() and isinstance(msg, dict) and "content" in msg:
            msg["content"] = self._mask_content(msg["content"])
        return msg

    def _mask_content(self, content: Any) -> Any:
        """Every str in a message's content, except base64 binary payloads (images)."""
        if not isinstance(content, dict) or not isinstance(content.get("data"), dict):
            return self.masker.mask_data(content)
        data = content["data"]
        masked = self.masker.mask_data({k: v for k, v in content.items() if k != "data"})
        masked["data"] = {
            self.masker.mask(mime): value
            if mime.startswith(_BINARY_PREFIXES) or mime in _BINARY
            else self.masker.mask_data(value)
            for mime, value in data.items()
        }
        return masked

    def _showtraceback(self, etype: Any, evalue: Any, stb: Any) -> Any:
        original = self._original_showtraceback or type(self.shell)._showtraceback.__get__(
            self.shell
        )
        if self._active():
            # ipykernel only uses str(evalue); a masked str stands in for the exception.
            evalue = self.masker.mask(str(evalue))
            stb = [self.masker.mask(line) for line in stb or []]
        return original(etype, evalue, stb)

    def _wrap_session(self) -> None:
        kernel = getattr(self.shell, "kernel", None)
        session = getattr(kernel, "session", None)
        if session is None or not hasattr(session, "send"):
            return
        self._session = session
        self._session_send = session.send
        self._restores.append(_patch(session, "send", self._send))

    def _send(
        self, stream: Any, msg_or_type: Any, content: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        send = self._session_send
        assert send is not None
        if self._active():
            if isinstance(msg_or_type, dict):
                msg_type = msg_or_type.get("msg_type") or msg_or_type.get("header", {}).get(
                    "msg_type"
                )
                if self._needs_net(msg_type) and "content" in msg_or_type:
                    msg_or_type = dict(msg_or_type)
                    msg_or_type["content"] = self._mask_content(msg_or_type["content"])
            elif self._needs_net(msg_or_type) and content is not None:
                content = self._mask_content(content)
        return send(stream, msg_or_type, content, *args, **kwargs)

    def _needs_net(self, msg_type: Any) -> bool:
        if msg_type in _REPLIES:
            return True
        # Display hooks are thread-local: rich output from other threads is masked here.
        return msg_type in _RICH and threading.get_ident() != self._thread


def _out_streams() -> list[Any]:
    """The kernel's `OutStream`s (sys.stdout, sys.stderr) that can be hooked."""
    found = []
    for stream in (sys.stdout, sys.stderr):
        hookable = hasattr(stream, "_flush_buffers") and hasattr(stream, "_rotate_buffers")
        if hookable and stream not in found:
            found.append(stream)
    return found
