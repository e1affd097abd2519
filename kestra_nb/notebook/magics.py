"""The magics: `%%kestra_flow`, `%kestra_render`, `%kestra_env`, `%kestra_secrets`.

`KestraMagics` is traitlets-configurable and registered in `shell.configurables`, so
`%config KestraMagics.show = "both"` works (jupysql's convention). A mistake the user can fix
is shown as one short `UsageError` message, never a traceback (unless
`KestraMagics.short_errors = False`), and never with a secret value in it.

The engine (`kestra_nb.pebble`), the flow model (`kestra_nb.flow`), pygments and ipywidgets
are imported when a magic first needs them, so `%load_ext kestra_nb` stays fast.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    cell_magic,
    line_cell_magic,
    line_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Float, Int, List, TraitError, Unicode, observe, validate
from traitlets.config import Configurable

from ..errors import KestraNbError, RenderError
from ..flow.show import SHOW_CHOICES
from ..kestra import env_name
from ..limits import LIMITS, Limits, evaluation, set_limits
from .magic_help import answer_help

if TYPE_CHECKING:  # pragma: no cover
    from .session import KernelSession


@magics_class
class KestraMagics(Magics, Configurable):
    """Author Kestra flows in a notebook: validate, render as Kestra would, never leak."""

    session: KernelSession | None

    env_files = List(
        Unicode(),
        default_value=[".env_encoded", ".env"],
        config=True,
        help="Dotenv files looked for (in this order) from the notebook's directory upward, "
        "by %load_ext kestra_nb and by %kestra_env without a path; the nearest directory "
        "wins and only the first file found is loaded.",
    )
    mask = Bool(
        True,
        config=True,
        help="Mask every known secret value in cell output. False turns masking off "
        "(for debugging; a warning is shown, and values will reach the saved notebook).",
    )
    show = Enum(
        SHOW_CHOICES,
        default_value="rendered",
        config=True,
        help="What %%kestra_flow displays by default: the rendered flow, the source, or both.",
    )
    schema = Unicode(
        "",
        config=True,
        help="A Kestra server's flow schema for %%kestra_flow: a server URL whose schema "
        "`kestra-nb schema pull --server URL` cached, or a JSON file. Plugins outside Kestra's "
        "core and script tasks are then checked too; empty: the bundled index only.",
    )
    server = Unicode(
        "",
        config=True,
        help="The Kestra server `%kestra_server` connects to when it names none (else "
        "KESTRA_URL), e.g. http://localhost:8080. Credentials never go here: they come from "
        "KESTRA_PASSWORD / KESTRA_API_TOKEN or a secret (--password-secret NAME).",
    )
    short_errors = Bool(
        True,
        config=True,
        help="Show user errors (invalid flow, bad options, render errors) as one short "
        "message; False raises them with their full traceback.",
    )

    # bounds on every evaluation (kestra_nb.limits, docs/limits.md); the CLI's --max-* flags
    max_time_s = Float(
        Limits.max_time_s,
        config=True,
        help="Seconds one %%kestra_flow cell or %kestra_render may take (templates, jq, "
        "regexes, YAML); past it, a one-line error.",
    )
    max_memory_mb = Int(
        Limits.max_memory_mb, config=True, help="Address space (MB) of the jq worker process."
    )
    max_output_mb = Float(
        Limits.max_output_mb,
        config=True,
        help="Largest string (millions of characters) a template or jq program may build.",
    )
    max_items = Int(
        Limits.max_items,
        config=True,
        help="Largest list or map built (jq results, YAML with aliases expanded, filters).",
    )
    max_iterations = Int(
        Limits.max_iterations,
        config=True,
        help="{% for %} iterations of one evaluation, all loops together.",
    )
    max_yaml_aliases = Int(
        Limits.max_yaml_aliases,
        config=True,
        help="Aliases to collections in one YAML document (SnakeYAML's default, as Kestra).",
    )
    max_input_mb = Float(
        Limits.max_input_mb, config=True, help="Largest file read (dotenv files, schemas)."
    )

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        self.session = None  # set by `extension.load`; before that `mask` changes are kept
        Configurable.__init__(self, config=shell.config if shell is not None else None)
        Magics.__init__(self, shell=shell, **kwargs)
        if shell is not None and self not in shell.configurables:
            shell.configurables.append(self)  # what makes `%config KestraMagics.x = ...` work
        self.apply_limits()

    # -- configuration -------------------------------------------------------------------

    def apply_limits(self) -> None:
        """Make the `max_*` traits the process-wide limits (`kestra_nb.limits.set_limits`)."""
        set_limits(Limits(), **{name: getattr(self, name) for name in LIMITS})

    @validate(*LIMITS)
    def _positive_limit(self, proposal: Mapping[str, Any]) -> Any:
        if not proposal["value"] > 0:
            name = proposal["trait"].name
            raise TraitError(f"KestraMagics.{name} must be positive")
        return proposal["value"]

    @observe(*LIMITS)
    def _limit_changed(self, change: Mapping[str, Any]) -> None:
        set_limits(**{change["name"]: change["new"]})

    @observe("mask")
    def _mask_changed(self, change: Mapping[str, Any]) -> None:
        if getattr(self, "session", None) is not None:  # at load, `load` applies it itself
            self.apply_mask_setting(bool(change["new"]))

    def apply_mask_setting(self, enabled: bool) -> None:
        """Switch output masking on or off; turning it off always prints a warning."""
        session = self.session
        if session is not None and session.masking is not None:
            session.masking.enabled = enabled
        if enabled:
            print("kestra_nb: output masking on", file=sys.stderr)
        else:
            print(
                "kestra_nb: WARNING: output masking is OFF: secret values will appear in cell "
                "output and in the saved notebook (%config KestraMagics.mask = True to "
                "turn it back on)",
                file=sys.stderr,
            )

    # -- helpers ---------------------------------------------------------------------------

    def _session(self) -> KernelSession:
        if self.session is None:
            raise UsageError("kestra_nb is not loaded: run %load_ext kestra_nb first")
        return self.session

    def _mask(self, text: str) -> str:
        session = self.session
        if session is None:
            return text
        return str(session.masker.mask(text))

    def _fail(self, message: str, exc: BaseException | None = None) -> NoReturn:
        """A user error: one short line (masked), or the real exception with short_errors off."""
        message = self._mask(message)
        if not self.short_errors and exc is not None:
            raise exc
        raise UsageError(message) from None

    def _lookup(self, name: str, option: str, local_ns: Mapping[str, Any] | None) -> Any:
        for ns in (local_ns or {}, self.shell.user_ns if self.shell is not None else {}):
            if name in ns:
                return ns[name]
        self._fail(f"{option}: no variable named {name!r}")

    def _inputs_var(self, name: str | None, local_ns: Mapping[str, Any] | None) -> dict[str, Any]:
        if not name:
            return {}
        value = self._lookup(name, "--inputs", local_ns)
        if not isinstance(value, Mapping):
            self._fail(f"--inputs: {name} is a {type(value).__name__}, not a dict")
        return {str(k): v for k, v in value.items()}

    # -- %%kestra_flow ---------------------------------------------------------------------

    @magic_arguments(name="%kestra_flow")  # a cell magic: its usage line reads %%kestra_flow
    @argument("--name", metavar="VAR", help="store the KestraFlow in this variable")
    @argument(
        "--input",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        dest="input",
        help="an input value (converted to the input's type); repeatable",
    )
    @argument("--inputs", metavar="DICTVAR", help="a dict variable of input values")
    @argument(
        "--env",
        metavar="FILE",
        action="append",
        default=[],
        help="an extra dotenv file (secrets and ENV_* entries) for this cell only; repeatable",
    )
    @argument(
        "--save",
        metavar="PATH",
        help="write the flow's source YAML (never rendered values); a directory (DIR/) gets "
        "DIR/<namespace>.<id>.yml",
    )
    @argument("--show", choices=SHOW_CHOICES, help="rendered (default), source or both")
    @argument(
        "--deploy",
        action="store_true",
        help="deploy the flow to the Kestra server of %%kestra_server (validated there first)",
    )
    @argument(
        "--run",
        action="store_true",
        help="deploy if it changed, run it with the inputs, and follow its logs (masked)",
    )
    @argument(
        "--file",
        metavar="KEY=PATH",
        action="append",
        default=[],
        help="a FILE input, uploaded with --run; repeatable",
    )
    @argument("--no-wait", action="store_true", help="with --run: start it, do not follow it")
    @argument("--force", action="store_true", help="deploy despite local errors")
    @no_var_expand
    @needs_local_scope
    @cell_magic
    def kestra_flow(self, line: str, cell: str, local_ns: Mapping[str, Any] | None = None) -> None:
        """Validate a Kestra flow and show it rendered as Kestra would run it.

        Every expression is rendered with `flow`, `execution`, `inputs`, `vars`, `labels`,
        `envs` and `secret()`; run-time-only expressions (`outputs`, `taskrun`, ...) stay
        verbatim and are listed as deferred. Secret values are shown as `******`. Problems
        are listed together, one line each, at the cell's own line numbers.
        `--deploy` / `--run` send the flow to the server `%kestra_server` connected.
        """
        if answer_help(self.kestra_flow, line):
            return
        session = self._session()
        args = parse_argstring(self.kestra_flow, line)
        if args.name and not args.name.isidentifier():
            self._fail(f"--name: {args.name!r} is not a valid variable name")
        inputs = self._inputs_var(args.inputs, local_ns)
        from .flow_cell import run_flow_cell  # the flow model loads on first use

        user_ns = self.shell.user_ns if self.shell is not None else None
        run_flow_cell(
            session,
            args,
            cell,
            inputs,
            show=args.show or self.show,
            fail=self._fail,
            user_ns=user_ns,
        )

    # -- %kestra_render ---------------------------------------------------------------------

    @magic_arguments()
    @argument("--inputs", metavar="DICTVAR", help="a dict variable of input values")
    @argument("template", nargs="*", help="the template (line form); the cell in cell form")
    @no_var_expand
    @needs_local_scope
    @line_cell_magic
    def kestra_render(
        self, line: str, cell: str | None = None, local_ns: Mapping[str, Any] | None = None
    ) -> None:
        """Render one Kestra template with `secret()`, `envs` and `inputs`; output masked.

        `%kestra_render [--inputs DICTVAR] TEMPLATE` renders the rest of the line;
        `%%kestra_render [--inputs DICTVAR]` renders the cell.
        """
        if answer_help(self.kestra_render, line, whole_line=cell is None):
            return
        session = self._session()
        if cell is None:
            match = _RENDER_LINE.match(line)
            inputs_name, template = (match.group(1), match.group(2)) if match else (None, line)
            if not template.strip():
                self._fail("%kestra_render: no template (usage: %kestra_render TEMPLATE)")
        else:
            args = parse_argstring(self.kestra_render, line)
            if args.template:
                self._fail("%%kestra_render: the template is the cell; unexpected arguments")
            inputs_name, template = args.inputs, cell
        inputs = self._inputs_var(inputs_name, local_ns)

        from ..flow.evaluation import template_error_line
        from ..pebble import Renderer

        renderer = Renderer(secrets=session.store, environ=session.environ)
        try:
            with evaluation():  # bounded: time, output, loops (docs/limits.md)
                text = renderer.render(template, {"inputs": inputs}, masked=self.mask)
        except RenderError as exc:  # worded as a flow's problems: no Java class, a hint
            self._fail(template_error_line(exc, template, renderer.environment), exc)
        except KestraNbError as exc:
            self._fail(str(exc), exc)
        print(self._mask(str(text)) if self.mask else text)

    # -- %kestra_env --------------------------------------------------------------------------

    @magic_arguments()
    @argument("path", nargs="*", help="dotenv files to load (default: KestraMagics.env_files)")
    @argument("--list", action="store_true", help="list loaded files and env names")
    @line_magic
    def kestra_env(self, line: str) -> None:
        """Load dotenv files: secrets into the store, `ENV_*` entries into `envs`.

        Reports the resolved path, how many secrets and envs were loaded and each invalid
        entry (key and reason, never a value). Without a path, the first of
        `KestraMagics.env_files` found from the notebook's directory upward is loaded.
        """
        if answer_help(self.kestra_env, line):
            return
        session = self._session()
        args = parse_argstring(self.kestra_env, line)
        if args.list:
            self._list_envs(session)
            if not args.path:
                return
        paths: list[str | Path] = list(args.path)
        if not paths:
            from ..dotenv_codec import find_env_files

            found = next(iter(find_env_files(names=self.env_files)), None)
            if found is None:
                names = " or ".join(self.env_files) or "(KestraMagics.env_files is empty)"
                self._fail(f"%kestra_env: no {names} found from {Path.cwd()} upward")
            paths = [found]
        for path in paths:
            try:
                loaded = session.load_env_file(path)
            except OSError as exc:
                self._fail(f"%kestra_env: {_os_error(exc, path)}", exc)
            except KestraNbError as exc:
                self._fail(f"%kestra_env: {exc}", exc)
            for text in loaded.lines():
                print(f"kestra_nb: loaded {text}" if not text.startswith(" ") else text)

    def _list_envs(self, session: KernelSession) -> None:
        files = ", ".join(str(p) for p in session.env_files) or "none"
        print(f"env files loaded: {files}")
        names = sorted(session.environ)
        if not names:
            print("no envs (ENV_* variables)")
            return
        shown = {name: "envs." + (env_name(name) or name.lower()) for name in names}
        width = max(len(s) for s in shown.values())
        for name, envs in shown.items():
            print(f"{envs:<{width}}  {name}")

    # -- %kestra_secrets ----------------------------------------------------------------------

    @magic_arguments()
    @argument("--list", action="store_true", help="a text table of names and sources")
    @line_magic
    def kestra_secrets(self, line: str) -> Any:
        """The secrets panel, or with `--list` a table of secret names and sources (no values)."""
        if answer_help(self.kestra_secrets, line):
            return None
        session = self._session()
        args = parse_argstring(self.kestra_secrets, line)
        if args.list:
            names = list(session.store.names())
            if not names:
                print("no secrets loaded")
                return None
            width = max(4, *(len(n) for n in names))
            print(f"{'NAME':<{width}}  SOURCE")
            for name in names:
                print(f"{name:<{width}}  {session.store.source_of(name)}")
            return None
        from IPython.display import display

        from .panel import SecretsPanel

        panel = SecretsPanel(store=session.store)
        display(panel)
        return None

    # -- %kestra_nb --------------------------------------------------------------------------

    @line_magic
    def kestra_nb(self, line: str) -> None:
        """Run the `kestra-nb` command in this kernel: `%kestra_nb decode .env_encoded`.

        The same subcommands and options as `kestra-nb` in a terminal (`%kestra_nb --help`
        lists them), run with the kernel's own interpreter, so it works whatever the kernel's
        PATH holds; its output is masked like every output. The exit status is left in
        `_exit_code`, as after a `!` command.
        """
        import shlex

        from ..cli import main  # lazy: argparse set-up of every subcommand

        try:
            argv = shlex.split(line)
        except ValueError as exc:
            self._fail(f"%kestra_nb: {exc}")
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's --help and usage errors
            status = exc.code if isinstance(exc.code, int) else 2
        if self.shell is not None:
            self.shell.user_ns["_exit_code"] = status

    # -- %kestra_status ------------------------------------------------------------------------

    @magic_arguments()
    @line_magic
    def kestra_status(self, line: str) -> None:
        """What kestra_nb has loaded in this kernel: how it was loaded, the env files, how
        many secrets (by source) and envs, and whether output masking is on. Names and
        counts only, never a value."""
        if answer_help(self.kestra_status, line):
            return
        parse_argstring(self.kestra_status, line)
        for text in self._session().status_lines():
            print(text)


_RENDER_LINE = re.compile(r"^\s*(?:--inputs(?:=|\s+)([A-Za-z_][\w.]*)\s*)?(.*)$", re.DOTALL)


def _os_error(exc: OSError, path: object) -> str:
    """`<file>: <reason>` for an OSError, in one line."""
    return f"{exc.filename or path}: {exc.strerror or exc}"


def __getattr__(name: str) -> Any:
    """`FlowView` lives in `flow_cell` (loaded on first use, with the flow model)."""
    if name == "FlowView":
        from .flow_cell import FlowView

        return FlowView
    raise AttributeError(name)
