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

- **binary and markup payloads**: a binary mimetype (`image/png`, `application/pdf`, audio,
  video, ...) is never edited (a short secret could match inside it by chance and corrupt
  it); when its bytes, or their base64, hold a form of a secret, it is withheld and a
  `text/plain` note stands in. Bytes anywhere else (metadata, other mimetypes) are masked as
  UTF-8 text before jupyter_client base64-encodes them. A markup mimetype (`text/html`,
  `image/svg+xml`, `text/markdown`) is also checked on its visible text (tags removed,
  entities unescaped): a value split across tags (pygments' `<span>`s) is found there, and
  that representation is dropped for the masked `text/plain`.
- **IPython's history** (`history_manager.outputs`, `output_hist_reprs`, `exceptions`: what
  `%notebook`, `%history -o` and the history database read) is masked after each cell, and
  again whenever new secrets have been registered since.
- **`obj?`**: the inspector's `Length:` field is dropped when the object's string form
  holds a secret (the rest is masked as any reply).

Everything is removable (`OutputMasking.uninstall`), and `enabled = False` passes output
through unmasked (text already held back is still released masked).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import html
import io
import re
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kestra_nb.masking import Masker, MaskStream

__all__ = ["OutputMasking", "install_output_masking"]

_RICH = frozenset({"display_data", "update_display_data", "execute_result", "error"})
# Binary payloads (bytes, or base64 text): never edited (a short secret would match by chance
# and corrupt them); withheld when they hold a form of a secret.
_BINARY_PREFIXES = ("image/", "audio/", "video/", "font/")
_BINARY = frozenset(
    {"application/pdf", "application/octet-stream", "application/zip", "application/gzip"}
)
_TAG = re.compile(r"<[^>]*>")
WITHHELD = "[{mimes} withheld by kestra_nb: it holds a secret]"


def _is_binary(mime: str) -> bool:
    if mime.endswith(("+xml", "/xml")):  # image/svg+xml is text
        return False
    return mime.startswith(_BINARY_PREFIXES) or mime in _BINARY


def _is_markup(mime: str) -> bool:
    return (
        "html" in mime
        or "latex" in mime
        or mime.endswith(("+xml", "/xml"))
        or mime == "text/markdown"
    )


# pygments' LaTeX escapes (`\PYZhy{}` is `-`), and its `\PY{style}{` wrappers
_LATEX_ESCAPES = {
    "bs": "\\", "us": "_", "ob": "{", "cb": "}", "ca": "^", "am": "&", "lt": "<", "gt": ">",
    "sh": "#", "pc": "%", "dl": "$", "hy": "-", "sq": "'", "dq": '"', "ti": "~", "at": "@",
    "lb": "[", "rb": "]",
}  # fmt: skip
_LATEX = re.compile(r"\\PYZ([a-z]{2})\{\}|\\PY\{[^{}]*\}\{|\\[A-Za-z]+|[{}]")


def _latex_visible(match: re.Match[str]) -> str:
    return _LATEX_ESCAPES.get(match.group(1), "") if match.group(1) else ""


def visible_text(markup: str, mime: str = "text/html") -> str:
    """What a reader sees of `markup`, roughly: HTML and XML with tags removed and entities
    unescaped; LaTeX without its commands and braces (pygments' escapes read back)."""
    if "latex" in mime:
        return _LATEX.sub(_latex_visible, markup)
    return html.unescape(_TAG.sub("", markup))


def _binary_reveals(masker: Masker, value: Any) -> bool:
    """Whether a binary payload (bytes, or their base64 text) holds a form of a secret:
    in its bytes read as UTF-8, or in its base64 text."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        encoded = base64.b64encode(raw).decode("ascii")
    elif isinstance(value, str):
        encoded = value
        try:
            raw = base64.b64decode("".join(value.split()), validate=False)
        except (binascii.Error, ValueError):
            raw = b""
    else:
        return False
    # In the base64 text, a short literal (a 4-character secret) turns up by chance in a
    # large image: only base64 forms, or matches of 8 characters and more, count there.
    in_base64 = any(
        m.kind.startswith("base64") or m.end - m.start >= 8 for m in masker.find(encoded)
    )
    return in_base64 or masker.reveals(raw.decode("utf-8", "surrogateescape"))


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
        self._history_masked: dict[int, int] = {}  # execution count -> secrets then known

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
        self._wrap_history()
        self._wrap_inspector()
        shell.events.register("post_run_cell", self._post_run_cell)
        self.installed = True
        self.masker.prepare()  # built here, on the shell thread, not by the first flush

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
        self.masker.prepare()  # anything registered during the cell: built here, not on IOPub
        self.release()
        self.mask_history()

    # -- IPython's history and inspector

    def _wrap_history(self) -> None:
        manager = getattr(self.shell, "history_manager", None)
        store_output = getattr(manager, "store_output", None)
        if store_output is None:
            return

        def masked_store_output(line_num: int, *args: Any, **kwargs: Any) -> Any:
            if self._active():  # before the history database gets it
                self.mask_history([line_num])
            return store_output(line_num, *args, **kwargs)

        self._restores.append(_patch(manager, "store_output", masked_store_output))

    def mask_history(self, counts: list[int] | None = None) -> None:
        """Mask IPython's record of cell output (`history_manager.outputs`, the text
        `%history -o` shows, the stored exceptions): what `%notebook` writes. By default
        every cell not yet masked with the secrets registered now, and the last two (a
        cell's output may still grow while it ends)."""
        manager = getattr(self.shell, "history_manager", None)
        if manager is None or not self._active():
            return
        known = len(self.masker)
        done = self._history_masked
        outputs = getattr(manager, "outputs", {})
        reprs = getattr(manager, "output_hist_reprs", {})
        exceptions = getattr(manager, "exceptions", {})
        if counts is None:
            everything = set(outputs) | set(reprs) | set(exceptions)
            recent = sorted(everything)[-2:]
            counts = [c for c in everything if done.get(c) != known or c in recent]
        masker = self.masker
        for count in counts:
            for record in outputs.get(count, []):
                bundle = getattr(record, "bundle", None)
                if not isinstance(bundle, dict):
                    continue
                if isinstance(bundle.get("stream"), list):
                    bundle["stream"] = [masker.mask("".join(map(str, bundle["stream"])))]
                else:
                    record.bundle = mask_bundle(masker, bundle)
            if isinstance(reprs.get(count), str):
                reprs[count] = masker.mask(reprs[count])
            if count in exceptions:
                exceptions[count] = masker.mask_data(exceptions[count])
            done[count] = known

    def _wrap_inspector(self) -> None:
        inspector = getattr(self.shell, "inspector", None)
        info = getattr(inspector, "info", None)
        if info is None:
            return

        def masked_info(obj: Any, *args: Any, **kwargs: Any) -> Any:
            out = info(obj, *args, **kwargs)
            if self._active() and isinstance(out, dict) and out.get("length") is not None:
                try:
                    shown = str(obj)[: 1 << 20]
                except Exception:
                    shown = ""
                form = out.get("string_form")
                if self.masker.reveals(shown) or (
                    isinstance(form, str) and self.masker.reveals(form)
                ):
                    out["length"] = None  # `Length:` would tell how long the value is
            return out

        self._restores.append(_patch(inspector, "info", masked_info))

    # -- rich output and errors

    def _active(self) -> bool:
        return self.installed and self._enabled

    def _mask_msg(self, msg: dict[str, Any]) -> dict[str, Any]:
        """Display and execute_result hook: mask every str in the content."""
        if self._active() and isinstance(msg, dict) and "content" in msg:
            msg["content"] = self._mask_content(msg["content"])
        return msg

    def _mask_content(self, content: Any) -> Any:
        """Every str, number and bytes in a message's content; a mime bundle as
        `mask_bundle` does."""
        if not isinstance(content, dict) or not isinstance(content.get("data"), dict):
            return self.masker.mask_data(content)
        masked = self.masker.mask_data({k: v for k, v in content.items() if k != "data"})
        masked["data"] = mask_bundle(self.masker, content["data"])
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


def mask_bundle(masker: Masker, data: dict[str, Any]) -> dict[str, Any]:
    """A mime bundle masked: binary payloads that hold a secret withheld (never edited), the
    rest masked (`Masker.mask_data`), and a markup representation whose visible text still
    reveals a secret dropped; what was withheld is said in the masked `text/plain`."""
    out: dict[str, Any] = {}
    binary: list[str] = []
    markup: list[str] = []
    for mime, value in data.items():
        key = masker.mask(mime) if isinstance(mime, str) else mime
        if isinstance(mime, str) and _is_binary(mime):
            if _binary_reveals(masker, value):
                binary.append(key)
            else:
                out[key] = value
            continue
        masked = masker.mask_data(value)
        if (
            isinstance(mime, str)
            and _is_markup(mime)
            and isinstance(masked, str)
            and masker.reveals(visible_text(masked, mime))
        ):
            markup.append(key)
            continue
        out[key] = masked
    if binary or markup:
        plain = out.get("text/plain")
        if not isinstance(plain, str) or not plain:
            sources = [m for m in data if m in markup and isinstance(data[m], str)]
            plain = masker.mask(visible_text(data[sources[0]], sources[0])) if sources else ""
        if binary:
            note = WITHHELD.format(mimes=", ".join(binary))
            plain = f"{note}\n{plain}" if plain else note
        out["text/plain"] = plain
    return out


def _out_streams() -> list[Any]:
    """The kernel's `OutStream`s (sys.stdout, sys.stderr) that can be hooked."""
    found = []
    for stream in (sys.stdout, sys.stderr):
        hookable = hasattr(stream, "_flush_buffers") and hasattr(stream, "_rotate_buffers")
        if hookable and stream not in found:
            found.append(stream)
    return found
