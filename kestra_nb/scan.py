"""The leak scanner behind `kestra-nb scan`: find known secret values in notebooks and files.

Pattern scanners guess what a secret looks like; this one knows the values (from dotenv files
or `SECRET_*` variables) and looks for every variant the masker knows (literal, lines,
base64 forms, percent, JSON, repr, HTML). Notebooks are read structurally, so a finding names
its cell, output and channel (stream name, mimetype, traceback, metadata path); other files
are read as text. A finding never holds the value, only the secret's name and variant kind.

Speed: a raw-bytes pre-check runs first. Every variant has an "anchor", its longest run of
characters no JSON writer escapes; a file whose raw bytes hold no anchor cannot hold a
variant in any decoded string, so it is clean without being parsed. Files that pass the
pre-check are parsed, and all their strings are searched with one call of the masker's
multi-pattern automaton (joined with a separator no pattern contains).

`--fix` masks findings in outputs, metadata and widget state in place (atomic write, `.bak`
kept, the file's mode kept); sources are never rewritten, only reported.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import contextlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .dotenv_codec import (
    ENV_FILE_NAMES,
    SECRET_PREFIX,
    decode_dotenv,
    decode_value,
    find_env_files,
    is_macro,
    parse_dotenv,
    read_dotenv_text,
)
from .errors import DotenvError, RenderError
from .files import read_bytes
from .limits import LimitExceeded
from .masking import (
    ENGINES,
    TRUNCATION_KEY,
    TRUNCATION_MIN,
    Masker,
    Match,
    secret_variants,
)
from .masking.formats import format_text
from .secrets import SecretStore, render_macro
from .sources import SecretsLike, secret_pairs

# ENV_FILE_NAMES and find_env_files (dotenv_codec) are re-exported: the CLI looks for the
# same files as the notebook extension does.
__all__ = [
    "ENV_FILE_NAMES",
    "Finding",
    "ScanReport",
    "Scanner",
    "SecretFile",
    "find_env_files",
    "iter_files",
    "load_secret_file",
    "scan_paths",
    "secrets_from_environ",
]

#: Directories never walked outside a git work tree.
SKIP_DIRS = frozenset({".git", ".venv", "node_modules"})
#: Bytes of a file looked at to decide it is binary (a NUL byte means binary).
BINARY_SNIFF = 8192
#: Anchors shorter than this make the pre-check useless; such secrets disable it.
MIN_ANCHOR = 4
#: Joins the strings of one notebook for a single automaton pass; no pattern contains it.
_SEP = "\x00"
#: Attachment mimetypes whose base64 payload is decoded and scanned as text.
_TEXT_MIME = re.compile(r"^(text/.*|application/(.*\+)?(json|xml|javascript)|image/svg\+xml)$")
#: Characters some JSON writer may escape: quote, backslash, `/`, HTML-sensitive, controls.
_UNSAFE = frozenset('"\\/<>&\u2028\u2029') | {chr(i) for i in range(0x20)} | {"\x7f"}
_UNSAFE_RE = re.compile("[" + re.escape("".join(sorted(_UNSAFE))) + "]")
_ATTACHMENTS = re.compile(rb'"attachments"\s*:\s*\{\s*"')


@dataclass(frozen=True)
class Finding:
    """One leak: where it is and which secret, never the value.

    `cell` and `output` are 1-based (None for notebook metadata and plain files); `channel`
    is the stream name, mimetype, `ename`/`evalue`/`traceback`, `source`, `text` (plain
    files), `attachments.<name>.<mime>` or a metadata path such as
    `metadata.widgets.application/vnd.jupyter.widget-state+json.state.<id>.state.value`;
    `line` is 1-based within that channel's text. `kind` is the masker's variant kind.
    """

    path: str
    cell: int | None
    output: int | None
    channel: str
    line: int | None
    secret: str
    kind: str
    fixable: bool = True
    fixed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape: every key always present, in this order."""
        return asdict(self)

    def describe(self, fix: bool = False) -> str:
        """One human line, e.g. `a.ipynb: cell 2, output 1, stdout, line 3: API_KEY (base64)`.

        With `fix`, says whether `--fix` masked it (sources and plain files are report only).
        """
        if self.cell is None and self.output is None and self.channel == "text":
            where = f"{self.path}:{self.line}"
        else:
            parts = ["notebook" if self.cell is None else f"cell {self.cell}"]
            if self.output is not None:
                parts.append(f"output {self.output}")
            parts.append(self.channel)
            if self.line is not None and self.line > 1:
                parts.append(f"line {self.line}")
            where = f"{self.path}: " + ", ".join(parts)
        note = ""
        if self.fixed:
            note = " [masked]"
        elif fix and self.fixable:
            note = " [not masked]"
        elif fix:
            note = " [not masked: report only]"
        return f"{where}: {self.secret} ({self.kind}){note}"


@dataclass
class ScanReport:
    """What a scan found and did; `outcome` sums it up (`clean`, `findings` or `errors`)."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fixed: list[tuple[str, str | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    secrets: int = 0

    @property
    def outcome(self) -> str:
        """`errors` when a path could not be read, else `findings` or `clean`."""
        if self.errors:
            return "errors"
        return "findings" if self.findings else "clean"

    def to_json(self) -> list[dict[str, Any]]:
        """The findings as a list of dicts with stable keys (see `Finding`)."""
        return [f.to_dict() for f in self.findings]


@dataclass(slots=True)
class _Slot:
    """One string of a notebook and where a masked version goes: `holder[key]`, written as
    `how` says (`str`, `lines`: an nbformat list of lines, `b64`/`b64-lines`: a base64
    attachment; empty: report only, as for sources and dict keys)."""

    cell: int | None
    output: int | None
    channel: str
    text: str
    holder: Any = None
    key: Any = None
    how: str = ""
    line0: int = 0

    @property
    def fixable(self) -> bool:
        return bool(self.how)

    def put(self, text: str) -> None:
        """Store `text` (a masked version of `self.text`) back into the notebook."""
        if self.how.startswith("b64"):
            text = base64.b64encode(text.encode("utf-8")).decode("ascii")
            value: Any = [text] if self.how == "b64-lines" else text
        else:
            value = text.splitlines(keepends=True) if self.how == "lines" else text
        self.holder[self.key] = value


def _how(value: Any) -> str:
    return "lines" if isinstance(value, list) else "str"


def _anchor(text: str) -> str:
    """The longest run of `text` that no JSON writer escapes (empty if none)."""
    best = ""
    for run in _UNSAFE_RE.split(text):
        if len(run) > len(best):
            best = run
    return best


def _anchor_forms(run: str) -> set[str]:
    """How an anchor can appear in raw JSON: as is, or with `\\uXXXX` escapes (either case)."""
    forms = {run}
    if not run.isascii():
        escaped = json.dumps(run, ensure_ascii=True)[1:-1]
        forms.add(escaped)
        forms.add(re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), escaped))
    return forms


class Scanner:
    """Scans files for the given secrets; reusable across files (one automaton, built once).

    `secrets` maps names to plain values (a `SecretStore` works too). `exclude` lists files
    that are skipped when met while walking a directory (the secret sources themselves).
    `precheck=False` parses every notebook (the raw-bytes pre-check is only a shortcut).
    """

    def __init__(
        self,
        secrets: SecretsLike,
        *,
        exclude: Iterable[str | os.PathLike[str]] = (),
        precheck: bool = True,
    ) -> None:
        self.masker = Masker()
        self.notes: list[str] = []
        anchors: set[str] = set()
        seen: set[str] = set()
        count = 0
        for name, value in secret_pairs(secrets):
            if not value or not value.strip() or value in seen:
                continue
            seen.add(value)
            self.masker.register(value, name)  # a too-short value is noted just below
            if len(value) < self.masker.min_length:
                self.notes.append(
                    f"secret {name} is shorter than {self.masker.min_length} characters: "
                    "not looked for"
                )
                continue
            variants = secret_variants(value)
            if not variants:
                self.notes.append(
                    f"secret {name} is only a format's fixed text (a PEM armour line, a JWT "
                    "header, a token prefix): not looked for"
                )
                continue
            count += 1
            fmt = format_text(value, secret_variants)
            for _kind, variant in variants:
                texts = [variant]
                if len(variant) >= TRUNCATION_MIN:  # the masker's `truncated` heads and tails
                    texts += [
                        key
                        for key in (variant[:TRUNCATION_KEY], variant[-TRUNCATION_KEY:])
                        if fmt is None or fmt.keeps(key)
                    ]
                for text in texts:
                    if len(text) < self.masker.min_length:
                        continue
                    run = _anchor(text)
                    if len(run) < MIN_ANCHOR:
                        precheck = False
                    anchors |= _anchor_forms(run) if run else set()
        self.count = count
        # The pre-check runs on the masker's engine (hyperscan when importable).
        self._precheck: Callable[[str], list[Any]] | None = None
        if precheck and anchors:
            self._precheck = ENGINES[self.masker.engine](sorted(anchors))
        self.exclude = {os.path.realpath(p) for p in exclude}

    # -- the pre-check -------------------------------------------------------------------

    def maybe_leaky(self, raw: bytes) -> bool:
        """False only when `raw` cannot hold any variant (nothing to look for, or no anchor)."""
        if self.count == 0:
            return False
        if self._precheck is None:
            return True
        return bool(self._precheck(raw.decode("utf-8", "replace")))

    def _safe(self, label: str) -> str:
        """A path or channel label with any secret in it masked (a dict key may be one)."""
        return self.masker.mask(label)

    # -- files ----------------------------------------------------------------------------

    def scan_file(self, path: str | os.PathLike[str], report: ScanReport, *, fix: bool) -> None:
        """Scan one file into `report` (and mask its outputs when `fix`)."""
        name = os.fspath(path)
        if self.count == 0:  # nothing to look for: do not even read it
            report.files.append(name)
            return
        try:
            raw = read_bytes(name)  # a FIFO or device named on the command line: refused unread
        except OSError as exc:
            report.errors.append(f"{name}: {exc.strerror or exc}")
            return
        except LimitExceeded as exc:
            report.errors.append(f"{name}: {exc}")
            return
        report.files.append(name)
        if name.endswith(".ipynb"):
            self._scan_notebook(name, raw, report, fix=fix)
        elif b"\x00" in raw[:BINARY_SNIFF]:
            report.skipped.append((name, "binary"))
        elif self.maybe_leaky(raw):
            text = raw.decode("utf-8", "surrogateescape")
            report.findings.extend(self._text_findings(name, text))

    def _text_findings(self, name: str, text: str) -> list[Finding]:
        out: dict[tuple[Any, ...], Finding] = {}
        lines = _LineCounter(text)
        for m in _best_named(self.masker.find(text)):
            line = lines.at(m.start)
            f = Finding(
                self._safe(name), None, None, "text", line, m.name or "?", m.kind, fixable=False
            )
            out.setdefault((line, f.secret, f.kind), f)
        return list(out.values())

    def _scan_notebook(self, name: str, raw: bytes, report: ScanReport, *, fix: bool) -> None:
        head = raw[:4].lstrip(b"\xef\xbb\xbf \t\r\n")
        structural = not head or head.startswith(b"{")
        if structural and not self.maybe_leaky(raw) and not _ATTACHMENTS.search(raw):
            return
        try:
            nb = json.loads(raw)
            if not isinstance(nb, dict):
                raise ValueError("not a JSON object")
        except (ValueError, UnicodeDecodeError):
            report.skipped.append((name, "not valid notebook JSON; scanned as text"))
            if self.maybe_leaky(raw):
                report.findings.extend(self._text_findings(name, raw.decode("utf-8", "replace")))
            return
        slots = list(_notebook_slots(nb))
        hits = self._slot_findings(name, slots)
        if not hits:
            return
        if fix and any(f.fixable for f, _ in hits):
            self._fix(name, raw, nb, slots, hits, report)
        else:
            report.findings.extend(f for f, _ in hits)

    def _slot_findings(self, name: str, slots: list[_Slot]) -> list[tuple[Finding, int]]:
        """Findings of all slots from one automaton pass, each with its slot's index."""
        starts: list[int] = []
        pos = 0
        for s in slots:
            starts.append(pos)
            pos += len(s.text) + 1
        big = _SEP.join(s.text for s in slots)
        found: dict[tuple[Any, ...], tuple[Finding, int]] = {}
        lines, slot_lines = _LineCounter(big), _LineCounter(big)  # both move forward only
        for m in _best_named(self.masker.find(big)):
            i = bisect.bisect_right(starts, m.start) - 1
            slot = slots[i]
            if m.end - starts[i] > len(slot.text):  # spans two strings: not a real leak
                continue
            line = slot.line0 + lines.at(m.start) - slot_lines.at(starts[i]) + 1
            f = Finding(
                self._safe(name),
                slot.cell,
                slot.output,
                self._safe(slot.channel),
                line,
                m.name or "?",
                m.kind,
                fixable=slot.fixable,
            )
            key = (i, line, f.secret, f.kind)
            found.setdefault(key, (f, i))
        return list(found.values())

    def _fix(
        self,
        name: str,
        raw: bytes,
        nb: dict[str, Any],
        slots: list[_Slot],
        hits: list[tuple[Finding, int]],
        report: ScanReport,
    ) -> None:
        for i in sorted({i for f, i in hits if f.fixable}):
            slots[i].put(self.masker.mask(slots[i].text))
        text = _dump_like(nb, raw)
        # Verify on the result: whatever is still found was not fixed.
        left = {
            (f.cell, f.output, f.channel, f.secret, f.kind)
            for f, _ in self._slot_findings(name, list(_notebook_slots(json.loads(text))))
        }
        real = os.path.realpath(name)
        try:
            mode = stat.S_IMODE(os.stat(real).st_mode)
            backup = write_atomic(real, text, mode=mode, overwrite=True, backup=True)
        except OSError as exc:
            report.errors.append(f"{name}: cannot write the masked notebook: {exc.strerror or exc}")
            report.findings.extend(f for f, _ in hits)
            return
        if backup is not None and real == os.path.abspath(name):
            backup = Path(name + ".bak")  # as the user named the notebook
        report.fixed.append((name, os.fspath(backup) if backup else None))
        for f, _ in hits:
            done = f.fixable and (f.cell, f.output, f.channel, f.secret, f.kind) not in left
            report.findings.append(replace(f, fixed=done))


def _rank(m: Match) -> tuple[bool, int]:
    return (m.kind != "truncated", m.end - m.start)


def _names_better(o: Match, g: Match) -> bool:
    """Whether `o`, another secret's match, names the place of `g` better: it holds `g`
    and ranks higher (exact over truncated, then longer), or `g` is truncated and the 16
    characters it was found by (its head or tail) lie inside the exact `o`."""
    if o.name == g.name or _rank(o) <= _rank(g):
        return False
    if o.start <= g.start and g.end <= o.end:
        return True
    if g.kind != "truncated" or o.kind == "truncated":
        return False
    head = o.start <= g.start and g.start + TRUNCATION_KEY <= o.end
    tail = o.start <= g.end - TRUNCATION_KEY and g.end <= o.end
    return head or tail


def _best_named(matches: list[Match]) -> list[Match]:
    """`matches` (sorted by start) without those another secret's match names better (see
    `_names_better`): where several secrets' variants match at one place, the exact and
    then the longest match names the finding. So a text holding a whole value is named by
    it, not by another value sharing its first characters."""
    if len(matches) < 2:
        return matches
    out: list[Match] = []
    group: list[Match] = []
    reach = -1
    for m in [*matches, None]:
        if m is not None and m.start < reach:
            group.append(m)
            reach = max(reach, m.end)
            continue
        if len(group) == 1:
            out.extend(group)
        elif group:
            out.extend(g for g in group if not any(_names_better(o, g) for o in group))
        if m is not None:
            group, reach = [m], m.end
    return out


class _LineCounter:
    """1-based line numbers of offsets in `text`, for offsets given mostly in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1

    def at(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 1
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def _dump_like(nb: dict[str, Any], raw: bytes) -> str:
    """Serialise `nb` the way `raw` was written (indent, ASCII escapes, final newline)."""
    indent: int | None = None
    m = re.match(rb"\s*\{\r?\n( +)", raw)
    if m:
        indent = len(m.group(1))
    ensure_ascii = raw.isascii() and b"\\u" in raw
    text = json.dumps(nb, indent=indent, ensure_ascii=ensure_ascii)
    return text + "\n" if raw.endswith(b"\n") else text


# -- the strings of a notebook --------------------------------------------------------------


def _joined(value: Any) -> str | None:
    """nbformat multiline strings: a str, or a list of str joined; None otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


def _json_slots(
    obj: Any, path: str, cell: int | None, output: int | None, *, fixable: bool = True
) -> Iterator[_Slot]:
    """Every string value (and dict key) under `obj`, named by its dotted path."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            sub = f"{path}.{k}"
            yield _Slot(cell, output, f"{sub} (key)", k)
            if isinstance(v, str):
                yield _Slot(cell, output, sub, v, obj, k, "str" if fixable else "")
            elif isinstance(v, dict | list):
                yield from _json_slots(v, sub, cell, output, fixable=fixable)
    elif isinstance(obj, list):
        for idx, v in enumerate(obj):
            sub = f"{path}[{idx}]"
            if isinstance(v, str):
                yield _Slot(cell, output, sub, v, obj, idx, "str" if fixable else "")
            elif isinstance(v, dict | list):
                yield from _json_slots(v, sub, cell, output, fixable=fixable)


def _output_slots(out: dict[str, Any], cell: int, n: int) -> Iterator[_Slot]:
    kind = out.get("output_type")
    if kind == "stream":
        text = _joined(out.get("text"))
        if text is not None:
            name = str(out.get("name", "stream"))
            yield _Slot(cell, n, name, text, out, "text", _how(out.get("text")))
    elif kind == "error":
        for key in ("ename", "evalue"):
            if isinstance(out.get(key), str):
                yield _Slot(cell, n, key, out[key], out, key, "str")
        tb = out.get("traceback")
        if isinstance(tb, list):
            line0 = 0
            for idx, entry in enumerate(tb):
                if isinstance(entry, str):
                    yield _Slot(cell, n, "traceback", entry, tb, idx, "str", line0)
                    line0 += entry.count("\n") + 1
    else:
        data = out.get("data")
        if isinstance(data, dict):
            for mime, value in data.items():
                text = _joined(value)
                if text is not None:
                    yield _Slot(cell, n, mime, text, data, mime, _how(value))
                else:
                    yield from _json_slots(value, mime, cell, n)
    # Every other key is scanned too: an output of an unknown type (or with extra keys) can
    # hold text anywhere.
    if kind == "stream":
        handled: tuple[str, ...] = ("output_type", "name", "text")
    elif kind == "error":
        handled = ("output_type", *_ERROR_KEYS)
    else:
        handled = ("output_type", "data")
    for key, value in out.items():
        if key in handled:
            continue
        if isinstance(value, str):
            yield _Slot(cell, n, key, value, out, key, "str")
        elif isinstance(value, dict | list):
            yield from _json_slots(value, key, cell, n)


_ERROR_KEYS = ("ename", "evalue", "traceback")


def _cell_slots(c: dict[str, Any], cell: int) -> Iterator[_Slot]:
    source = _joined(c.get("source"))
    if source is not None:
        yield _Slot(cell, None, "source", source)
    if isinstance(c.get("metadata"), dict):
        yield from _json_slots(c["metadata"], "metadata", cell, None)
    attachments = c.get("attachments")
    if isinstance(attachments, dict):
        for fname, bundle in attachments.items():
            if not isinstance(bundle, dict):
                continue
            for mime, payload in bundle.items():
                channel = f"attachments.{fname}.{mime}"
                text = _joined(payload)
                if text is None:
                    continue
                decoded = _decode_text_attachment(mime, text)
                if decoded is not None:
                    how = "b64-lines" if isinstance(payload, list) else "b64"
                    yield _Slot(cell, None, channel, decoded, bundle, mime, how)
                else:
                    yield _Slot(cell, None, channel, text)
    outputs = c.get("outputs")
    if isinstance(outputs, list):
        for n, out in enumerate(outputs, 1):
            if isinstance(out, dict):
                yield from _output_slots(out, cell, n)


def _decode_text_attachment(mime: str, payload: str) -> str | None:
    if not _TEXT_MIME.match(mime):
        return None
    try:
        return base64.b64decode("".join(payload.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _notebook_slots(nb: dict[str, Any]) -> Iterator[_Slot]:
    """Every scannable string of a notebook, with its location and a way to mask it."""
    cells = nb.get("cells")
    if not isinstance(cells, list):  # not nbformat 4: every string, report only
        yield from _json_slots(nb, "notebook", None, None, fixable=False)
        return
    if isinstance(nb.get("metadata"), dict):
        yield from _json_slots(nb["metadata"], "metadata", None, None)
    for i, c in enumerate(cells, 1):
        if isinstance(c, dict):
            yield from _cell_slots(c, i)


# -- walking ----------------------------------------------------------------------------------


def _git_files(directory: Path) -> list[Path] | None:
    """Files git would consider (tracked + untracked, .gitignore honoured), or None."""
    try:
        proc = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=directory,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [directory / n for n in names]


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str]]:
    """Files to scan as `(path, how)`, `how` one of `named`, `git` or `walk`.

    Named files are taken as given. In a git work tree a directory's files are those
    `git ls-files -co --exclude-standard` lists (`git`: so `.gitignore` is honoured);
    elsewhere the directory is walked (`walk`) skipping `.git`, `.venv` and `node_modules`.
    A path that does not exist raises `FileNotFoundError`.
    """
    for p in paths:
        path = Path(p)
        if path.is_dir():
            listed = _git_files(path)
            how = "git"
            if listed is None:
                how, listed = "walk", []
                for root, dirs, files in os.walk(path):
                    dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                    listed.extend(Path(root) / f for f in sorted(files))
            for f in listed:
                if f.is_file():
                    yield f, how
        elif os.path.lexists(path):  # a dangling symlink becomes a read error
            yield path, "named"
        else:
            raise FileNotFoundError(2, "no such file or directory", os.fspath(path))


def scan_paths(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    secrets: SecretsLike,
    *,
    fix: bool = False,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> ScanReport:
    """Scan files and directories for `secrets` (name -> value); see the module docstring.

    Paths that do not exist or cannot be read are reported in `report.errors` (exit code 2).
    Files in `exclude` (the secret sources) are skipped when a plain directory walk meets
    them; named, or listed by git (so not ignored, hence committable), they are scanned.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    scanner = Scanner(secrets, exclude=exclude)
    report = ScanReport(secrets=scanner.count, notes=list(scanner.notes))
    seen: set[str] = set()
    for p in paths:
        try:
            for path, how in iter_files([p]):
                real = os.path.realpath(path)
                if real in seen:
                    continue
                seen.add(real)
                if how == "walk" and real in scanner.exclude:
                    report.skipped.append((os.fspath(path), "secret source"))
                    continue
                scanner.scan_file(path, report, fix=fix)
        except FileNotFoundError as exc:
            report.errors.append(f"{exc.filename}: {exc.strerror}")
    return report


# -- where the secrets come from ---------------------------------------------------------------


@dataclass
class SecretFile:
    """The secrets of one dotenv file: `encoded` (Kestra `SECRET_*` base64) or plain.

    `pairs` are `(name, value)`; `problems` are one-line messages without values.
    """

    path: str
    encoded: bool
    pairs: list[tuple[str, str]] = field(default_factory=list, repr=False)
    problems: list[str] = field(default_factory=list)


def _decodes_to_text(value: str) -> bool:
    try:
        decoded = decode_value(value)
    except DotenvError:
        return False
    return "\ufffd" not in decoded and all(c.isprintable() or c in "\t\r\n" for c in decoded)


def _undecodable(entries: Mapping[str, str]) -> tuple[int, list[tuple[str, str]]]:
    """How many `SECRET_*` values decode to text, and the entries that do not (macros aside)."""
    good, bad = 0, []
    for key, value in entries.items():
        if not key.startswith(SECRET_PREFIX) or is_macro(value):
            continue
        if _decodes_to_text(value):
            good += 1
        else:
            bad.append((key, value))
    return good, bad


def load_secret_file(path: str | os.PathLike[str]) -> SecretFile:
    """Read a `.env_encoded` or `.env`, telling them apart by content.

    A file whose `SECRET_*` entries mostly decode from base64 to text is a Kestra
    `.env_encoded`: its secrets are the values its entries decode to (macros evaluated),
    plus the raw value of each `SECRET_*` entry that does not decode to text (Kestra drops
    or garbles it, but it may be a plaintext left unencoded by mistake). Names colliding
    once upper-cased (Kestra would not start) are reported, and both values looked for.
    Any other dotenv file is plain, and then every value in it is a secret candidate, named
    by its key. Raises `DotenvError` (one line, no value) when the file cannot be read.
    """
    name = os.fspath(path)
    text = read_dotenv_text(path)
    parsed = parse_dotenv(text, path=name)
    entries = parsed.as_dict()
    good, bad = _undecodable(entries)
    if good and good >= len(bad):
        raw_bad = {k for k, _ in bad}
        pairs = []
        for key, value in entries.items():
            if not key.startswith(SECRET_PREFIX) or key in raw_bad:
                continue
            with contextlib.suppress(DotenvError, RenderError):
                value = render_macro(value) if is_macro(value) else value
                pairs.append((key[len(SECRET_PREFIX) :].upper(), decode_value(value)))
        problems = [str(p) for p in decode_dotenv(text, path=name, render=render_macro).problems]
        problems += [f"{name}: {k}: not base64, looked for as written" for k in raw_bad]
        return SecretFile(name, True, pairs + bad, problems)
    pairs = [(k, v) for k, v in entries.items() if v]
    return SecretFile(name, False, pairs, [str(e) for e in parsed.errors])


def secrets_from_environ(environ: Mapping[str, str] | None = None) -> SecretFile:
    """The `SECRET_*` variables of `environ` (default `os.environ`), decoded as Kestra does."""
    environ = os.environ if environ is None else environ
    store = SecretStore.from_environ(dict(environ), warn=False)  # problems: on the result
    pairs = [(n, store.get(n)) for n in store.names()]
    return SecretFile("SECRET_* variables", True, pairs, [str(p) for p in store.problems])
