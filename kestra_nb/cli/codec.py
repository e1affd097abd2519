"""`kestra-nb encode` and `kestra-nb decode`: the lossless `.env` <-> `.env_encoded` commands.

Exit status: 0 all converted/decoded, 1 problems found (reported on stderr with line numbers)
or conversion refused (keys colliding once upper-cased: nothing written), 2 usage or I/O
error (missing path, directory, not UTF-8, unwritable or existing target without --force).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..atomic import TargetExistsError, write_atomic
from ..dotenv_codec import decode_dotenv, encode_dotenv, read_dotenv_text, showable_key
from ..errors import DotenvError
from ..limits import LimitExceeded, current
from ..secrets import render_macro
from ..text import plural
from .common import EXIT_ERROR, EXIT_HELP, EXIT_OK, EXIT_PROBLEMS, add_limit_arguments

_EXISTS = "already exists (use --force to replace it; the old file is kept as .bak)"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `encode` and `decode` subcommands."""
    enc = subparsers.add_parser(
        "encode",
        help="convert a .env into Kestra's SECRET_<KEY>=<base64> lines, losing nothing",
        description="Convert a dotenv file (python-dotenv syntax: quotes, multi-line values, "
        "export, comments, CRLF, BOM) into an .env_encoded for open-source Kestra: one "
        "SECRET_<KEY>=<standard base64> line per key, LF, UTF-8. Unparseable lines, keys "
        "without a value and bad names are reported with their line; keys colliding once "
        "upper-cased refuse the conversion.",
        epilog=EXIT_HELP,
    )
    enc.add_argument("input", metavar="IN", help="the .env file to convert ('-' for stdin)")
    enc.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="write here (atomically, mode 0600) instead of stdout",
    )
    enc.add_argument(
        "--force",
        action="store_true",
        help="replace an existing OUT (the old file is kept as OUT.bak)",
    )
    enc.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="write only the secret NAME (repeatable), e.g. the ones a flow uses, as the "
        "SECRET_<NAME> lines a server's env_file needs; needs -o (never printed)",
    )
    enc.add_argument(
        "--interpolate",
        action="store_true",
        help="expand ${VAR} and ${VAR:-default} as python-dotenv does (off by default: "
        "a '$' in a password stays as written)",
    )
    add_limit_arguments(enc)
    enc.set_defaults(func=run_encode)

    dec = subparsers.add_parser(
        "decode",
        help="check an .env_encoded: does every SECRET_* decode as Kestra would?",
        description="Decode each SECRET_* entry of an .env_encoded with Kestra's rules "
        "(line breaks stripped, strict standard base64, UTF-8) and list the secret names. "
        "Entries Kestra would drop are reported by key and reason. Values are never "
        "printed unless --show-values is given.",
        epilog=EXIT_HELP,
    )
    dec.add_argument("input", metavar="IN", help="the .env_encoded file ('-' for stdin)")
    dec.add_argument(
        "--show-values",
        action="store_true",
        help="print NAME=<value as a JSON string> instead of names only (shows secrets!)",
    )
    add_limit_arguments(dec)
    dec.set_defaults(func=run_decode)


def _read_input(name: str) -> str:
    if name == "-":
        cap = current().max_input_bytes
        data = sys.stdin.buffer.read(cap + 1)
        if len(data) > cap:
            raise LimitExceeded("max_input_mb", cap / 1_000_000, where="reading <stdin>")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DotenvError(
                f"not UTF-8 text (invalid byte at offset {exc.start})", path="<stdin>"
            ) from None
    return read_dotenv_text(name)


def _report(command: str, problems: list[DotenvError], notes: list[DotenvError]) -> None:
    for problem in problems:
        print(f"kestra-nb {command}: {problem}", file=sys.stderr)
    for note in notes:
        print(f"kestra-nb {command}: note: {note}", file=sys.stderr)


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def run_encode(args: argparse.Namespace) -> int:
    """`kestra-nb encode IN [-o OUT] [--force] [--interpolate]`."""
    label = "<stdin>" if args.input == "-" else args.input
    try:
        text = _read_input(args.input)
    except DotenvError as exc:
        print(f"kestra-nb encode: {exc}", file=sys.stderr)
        return EXIT_ERROR
    out = args.output
    if args.only and out is None:
        print(
            "kestra-nb encode: --only writes secrets into a file: give -o OUT "
            "(they are never printed)",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if out is not None and args.input != "-" and _same_file(args.input, out):
        print(
            f"kestra-nb encode: {out}: is the input file; write the encoded file elsewhere",
            file=sys.stderr,
        )
        return EXIT_ERROR
    if out is not None and Path(out).is_dir():
        print(f"kestra-nb encode: {out}: is a directory", file=sys.stderr)
        return EXIT_ERROR
    if out is not None and not args.force and os.path.lexists(out):
        print(f"kestra-nb encode: {out}: {_EXISTS}", file=sys.stderr)
        return EXIT_ERROR
    result = encode_dotenv(text, interpolate=args.interpolate, path=label)
    _report("encode", result.problems, result.notes)
    if result.refused:
        print(
            "kestra-nb encode: refused: keys collide once upper-cased; nothing written",
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    text, missing = (result.text, []) if not args.only else result.only(args.only)
    for name in missing:
        print(f"kestra-nb encode: --only {name}: not in {label}", file=sys.stderr)
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        try:
            backup = write_atomic(out, text, overwrite=args.force, backup=True)
        except TargetExistsError:  # appeared since the check above
            print(f"kestra-nb encode: {out}: {_EXISTS}", file=sys.stderr)
            return EXIT_ERROR
        except OSError as exc:
            print(
                f"kestra-nb encode: {out}: cannot write: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_ERROR
        n = text.count("\n") if args.only else len(result.entries)
        bad = len(result.problems) + len(missing)
        kept = f"; previous file kept as {backup}" if backup else ""
        lost = f"; {plural(bad, 'problem')} above" if bad else ""
        print(
            f"kestra-nb encode: wrote {plural(n, 'secret')} to {out}{kept}{lost}", file=sys.stderr
        )
    return EXIT_OK if result.ok and not missing else EXIT_PROBLEMS


def run_decode(args: argparse.Namespace) -> int:
    """`kestra-nb decode IN [--show-values]`."""
    label = "<stdin>" if args.input == "-" else args.input
    try:
        text = _read_input(args.input)
    except DotenvError as exc:
        print(f"kestra-nb decode: {exc}", file=sys.stderr)
        return EXIT_ERROR
    result = decode_dotenv(text, path=label, render=render_macro)
    _report("decode", result.problems, result.notes)
    for name in result.names():
        if args.show_values:
            print(f"{name}={json.dumps(result.secrets[name], ensure_ascii=False)}")
        elif showable_key(result.keys.get(name, name).removeprefix("SECRET_")) is None:
            # a "name" that is a piece of a torn value (the documented bash loop makes them)
            line = result.lines.get(name)
            where = f"line {line}" if line is not None else "an entry"
            print(f"({where}: name not shown, it looks like part of a value)")
        else:
            print(name)
    n, bad = len(result.secrets), len(result.problems)
    summary = f"{n} secret{'s' if n != 1 else ''} decoded"
    if bad:
        summary += f"; {bad} problem{'s' if bad != 1 else ''}"
    print(f"kestra-nb decode: {label}: {summary}", file=sys.stderr)
    return EXIT_OK if result.ok else EXIT_PROBLEMS
