"""Extract the runnable examples of a Markdown page, so the docs cannot drift from the code.

Fenced blocks are run by their language tag:

- ``python``: a doctest when it holds ``>>>`` prompts (outputs compared), else executed;
  all python blocks of one page share one namespace, in page order.
- ``ipython``: the page's ipython blocks become the cells of one notebook, executed in a
  real kernel; no cell may end in an error unless the block is tagged ``ipython error``.
  When the next fenced block is ``text output``, it is the cell's expected visible output
  (streams, ``text/plain``, errors as ``Name: message``; compared like a doctest, with
  ``...`` matching anything and trailing spaces ignored).
- ``console``: lines starting with ``$ `` are shell commands run in the page's work
  directory; the lines after a command, up to the next ``$ ``, are its expected output
  (compared exactly, after stripping trailing spaces). A command is expected to exit 0
  unless the block is tagged ``console exit=N``.
- ``yaml flow``: a Kestra flow that must be accepted by ``KestraFlow.from_yaml``.
- ``file NAME`` (e.g. ``dotenv file .env``): writes the block to NAME in the work directory
  before the page's other examples run, so pages can ship their sample files inline.

Anything else (``bash`` set-up commands for a fresh machine, ``text``, ``json``, plain
``yaml``) is prose and not run; the README's set-up commands are exercised by CI itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.S | re.M)


@dataclass(frozen=True)
class Example:
    """One fenced block: its info string split in words, its body, and its line."""

    page: Path
    line: int
    info: tuple[str, ...]
    body: str

    @property
    def lang(self) -> str:
        return self.info[0] if self.info else ""

    def option(self, name: str) -> str | None:
        for word in self.info[1:]:
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
        return None

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"


def examples(page: Path) -> list[Example]:
    """Every fenced block of `page`, in order."""
    text = page.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        found.append(Example(page, line, tuple(m.group(1).split()), m.group(2)))
    return found


def files_of(page_examples: list[Example]) -> dict[str, str]:
    """The sample files a page declares with ``<lang> file NAME`` blocks."""
    out = {}
    for ex in page_examples:
        if len(ex.info) >= 3 and ex.info[1] == "file":
            out[ex.info[2]] = ex.body
    return out


def expected_outputs(page_examples: list[Example]) -> dict[int, Example]:
    """For each ``ipython`` block (by its index in `page_examples`), the ``text output``
    block right after it, if any."""
    found = {}
    for i, ex in enumerate(page_examples[:-1]):
        after = page_examples[i + 1]
        if ex.lang == "ipython" and after.info[:2] == ("text", "output"):
            found[i] = after
    return found


def console_steps(ex: Example) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) pairs of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for raw in ex.body.splitlines():
        if raw.startswith("$ "):
            steps.append((raw[2:], []))
        elif steps:
            steps[-1][1].append(raw.rstrip())
    return steps
