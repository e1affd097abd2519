"""`--help` for every magic: the same text `%magic?` shows (its magic_arguments docstring).

IPython's magic argument parsers are built without `--help`; each magic calls `answer_help`
first, so `%kestra_env --help` prints the usage and options instead of "unrecognized
arguments".
"""

from __future__ import annotations

from typing import Any


def answer_help(magic: Any, line: str, *, whole_line: bool = False) -> bool:
    """Print `magic`'s help and return True when `line` asks for it (`--help` or `-h`).

    With `whole_line` (`%kestra_render`, whose line is a template) only a line that is
    nothing but the option asks for help.
    """
    words = [line.strip()] if whole_line else line.split()
    if "--help" not in words and "-h" not in words:
        return False
    print(magic.__doc__ or "")
    return True
