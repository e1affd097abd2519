"""A small reader of server-sent events (the WHATWG `text/event-stream` format).

Kestra's follow endpoints send `id:` and `data:` fields (`id:progress`, then `id:end`); this
reader turns lines (httpx's `iter_lines`) into `Event` records. It is about thirty lines, which
is why there is no `httpx-sse` dependency: the client needs no reconnection logic (a follow
endpoint replays its state on connect) and wants to bound the size of an event itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: an event larger than this (a runaway `data:` stream) ends the reading with an error
MAX_EVENT_CHARS = 16 * 1024 * 1024


@dataclass(frozen=True)
class Event:
    """One server-sent event: `id` is the last id seen (it persists, as the spec says)."""

    data: str
    id: str | None = None
    event: str = "message"
    retry: int | None = None


class EventTooLarge(ValueError):
    """An event exceeded `MAX_EVENT_CHARS`."""


def iter_events(lines: Iterable[str], max_chars: int = MAX_EVENT_CHARS) -> Iterator[Event]:
    """Parse lines (without their line break) into events; comments (`:`) are skipped."""
    data: list[str] = []
    size = 0
    last_id: str | None = None
    event_type = ""
    retry: int | None = None
    block_id = False  # an `id:` field alone (no data) is still dispatched: `id:end`
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or block_id:
                yield Event("\n".join(data), last_id, event_type or "message", retry)
            data, size, event_type, retry, block_id = [], 0, "", None, False
            continue
        if line.startswith(":"):
            continue
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            size += len(value) + 1
            if size > max_chars:
                raise EventTooLarge(f"a server-sent event exceeded {max_chars} characters")
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value
            block_id = True
        elif name == "event":
            event_type = value
        elif name == "retry" and value.isdigit():
            retry = int(value)
    if data or block_id:  # a stream closed without the final blank line
        yield Event("\n".join(data), last_id, event_type or "message", retry)
