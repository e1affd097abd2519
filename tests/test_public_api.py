"""The public API resolves, and the core stays free of IPython and ipywidgets."""

from __future__ import annotations

import subprocess
import sys

import kestra_nb

CORE_MODULES = [
    "kestra_nb",
    "kestra_nb.errors",
    "kestra_nb.atomic",
    "kestra_nb.dotenv_codec",
    "kestra_nb.secrets",
    "kestra_nb.masking",
    "kestra_nb.pebble",
    "kestra_nb.flow",
    "kestra_nb.scan",
    "kestra_nb.cli",
]


def test_every_public_name_resolves() -> None:
    exported = set(kestra_nb._EXPORTS) | {
        "load_ipython_extension",
        "unload_ipython_extension",
        "__version__",
    }
    assert set(kestra_nb.__all__) == exported
    for name in kestra_nb.__all__:
        assert getattr(kestra_nb, name) is not None, name
    assert sorted(dir(kestra_nb)) == sorted(kestra_nb.__all__)


def test_unknown_names_raise_attribute_error() -> None:
    try:
        kestra_nb.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("no AttributeError")


def test_core_never_imports_the_notebook_stack() -> None:
    """Importing and using the core (store, codec, engine, flows, masker, scanner, CLI)
    pulls in neither IPython nor ipywidgets: dependencies point one way."""
    code = "\n".join(
        [
            "import sys",
            *(f"import {m}" for m in CORE_MODULES),
            "from kestra_nb import Renderer, SecretStore, KestraFlow, Masker",
            "s = SecretStore({'TOKEN': 'value-1234'})",
            "print(Renderer(secrets=s).render(\"{{ secret('token') | length }}\"))",
            "Masker(['value-1234']).mask('x value-1234')",
            "KestraFlow.from_yaml('id: a\\nnamespace: b\\ntasks:\\n  - id: t\\n"
            "    type: io.kestra.plugin.core.log.Log\\n    message: hi\\n', secrets=s)",
            "kestra_nb.cli.build_parser()",
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('IPython', 'ipywidgets', 'ipykernel', 'traitlets'))",
            "print(bad)",
        ]
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["10", "[]"]
