"""`%load_ext kestra_nb` in a real kernel: store, env files, masking, `%config`, `%unload_ext`."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.kernel import NotebookRunner

API_KEY = "api-Key-Value-8841"
FROM_ENV = "from-Environment-5512"
EXTRA = "extra-File-Secret-7730"
CUSTOM = "custom-File-Secret-1190"
BAD = "@@not-base64@@"
PLAIN = "plain-Not-A-Secret-5566"
VALUES = (API_KEY, FROM_ENV, EXTRA, CUSTOM)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- the extension in a kernel -----------------------------------------------------------


@pytest.mark.kernel
def test_load_reload_config_env_and_unload(tmp_path: Path) -> None:
    project = tmp_path / "project"
    workdir = project / "notebooks"
    workdir.mkdir(parents=True)
    (project / ".env_encoded").write_text(
        f"SECRET_API_KEY={b64(API_KEY)}\nSECRET_BAD={BAD}\nENV_STAGE=dev\nOTHER=x\n"
    )
    (workdir / "extra.env").write_text(f"SECRET_EXTRA={b64(EXTRA)}\nENV_REGION=eu-west-1\n")
    (workdir / "custom.env").write_text(f"SECRET_CUSTOM={b64(CUSTOM)}\n")
    (workdir / "plain.env").write_text(f"MYPASSWORD={PLAIN}\nDEBUG=true\n")
    runner = NotebookRunner(workdir)
    cells = [
        "%load_ext kestra_nb",  # 0
        "%load_ext kestra_nb\n"  # 1
        "from kestra_nb.notebook.extension import current, load\n"
        "s = current(); load(get_ipython()); ip = get_ipython()\n"
        "print(current() is s, len(ip.Completer.custom_matchers),"
        " sum(type(c).__name__ == 'KestraMagics' for c in ip.configurables))",
        "print(s.store.names(), sorted(s.environ), [p.name for p in s.env_files])",  # 2
        "print(s.store.get('API_KEY'))\nprint(s.store.get('from_env'))",  # 3
        "%kestra_secrets --list",  # 4
        "%kestra_env --list",  # 5
        "%kestra_env extra.env",  # 6
        "%kestra_env nope.env",  # 7
        "%config KestraMagics.env_files = ['custom.env']\n%kestra_env",  # 8
        "%config KestraMagics.env_files = ['none.env']\n%kestra_env",  # 9
        "print(s.store.get('EXTRA'), s.store.get('CUSTOM'))\n"  # 10
        "print(sorted(s.environ), [p.name for p in s.env_files])",
        "%config KestraMagics.mask = False",  # 11
        "print(s.masking.enabled)\n%config KestraMagics.mask = True\nprint(s.masking.enabled)",
        "%unload_ext kestra_nb",  # 13
        "print(current(), 'kestra_flow' in ip.magics_manager.magics['cell'],"  # 14
        " 'kestra_secrets' in ip.magics_manager.magics['line'],"
        " any(type(c).__name__ == 'KestraMagics' for c in ip.configurables),"
        " len(ip.Completer.custom_matchers), s.masking.installed)",
        "%kestra_secrets --list",  # 15
        "%load_ext kestra_nb\nprint(current() is not s and current().store.names())",  # 16
        "print(current().store.get('FROM_ENV'))",  # 17
        "s2 = current()\n%reload_ext kestra_nb\n"  # 18
        "print(current() is not s2, len(ip.Completer.custom_matchers),"
        " sum(type(c).__name__ == 'KestraMagics' for c in ip.configurables),"
        " len(ip.magics_manager.registry), s2.masking.installed)",
        "%kestra_env plain.env",  # 19
    ]
    nb = runner.run(cells, env={"SECRET_FROM_ENV": b64(FROM_ENV), "ENV_COLOR": "blue"})
    text = [runner.text(nb, i) for i in range(len(cells))]

    first = text[0].splitlines()
    assert first[0] == (
        f"kestra_nb: loaded {project}/.env_encoded "
        "(1 secret, 1 env, 1 invalid entry, 1 other entry ignored); "
        "1 secret from SECRET_* environment variables; "
        "1 env from ENV_* environment variables; output masking on"
    )
    assert first[1].startswith("  invalid: line 2: SECRET_BAD: not base64")
    assert len(first) == 2
    assert "already loaded" in text[1] and text[1].rstrip().endswith("True 1 1")
    assert text[2].strip() == "['API_KEY', 'FROM_ENV'] ['ENV_COLOR', 'ENV_STAGE'] ['.env_encoded']"
    assert text[3] == "******\n******\n"
    table = text[4].splitlines()
    assert table[0].split() == ["NAME", "SOURCE"]
    assert table[1].split() == ["API_KEY", f"{project}/.env_encoded"]
    assert table[2].split() == ["FROM_ENV", "environment"]
    assert f"env files loaded: {project}/.env_encoded" in text[5]
    assert "envs.color" in text[5] and "envs.stage" in text[5]
    assert text[6].strip() == f"kestra_nb: loaded {workdir}/extra.env (1 secret, 1 env)"
    assert text[7].strip() == f"UsageError: %kestra_env: {workdir}/nope.env: no such file"
    assert text[8].strip() == f"kestra_nb: loaded {workdir}/custom.env (1 secret, 0 envs)"
    assert text[9].strip() == f"UsageError: %kestra_env: no none.env found from {workdir} upward"
    assert text[10].splitlines() == [
        "****** ******",
        "['ENV_COLOR', 'ENV_REGION', 'ENV_STAGE'] ['.env_encoded', 'extra.env', 'custom.env']",
    ]
    assert "WARNING: output masking is OFF" in text[11]
    assert [ln for ln in text[12].splitlines() if ln in ("True", "False")] == ["False", "True"]
    assert "kestra_nb: output masking on" in text[12]
    assert text[14].strip() == "None False False False 0 False"
    assert "UsageError" in text[15] and "kestra_secrets" in text[15]
    # `%config` went to the shell's config, so the new instance still looks for none.env
    assert text[16].splitlines()[0].startswith(f"kestra_nb: no none.env found from {workdir}")
    assert text[16].splitlines()[1] == "['FROM_ENV']"
    assert text[17].strip() == "******"
    assert text[19].splitlines() == [
        f"kestra_nb: loaded {workdir}/plain.env (0 secrets, 0 envs, 2 other entries ignored)",
        "  note: only SECRET_<NAME>=<base64> and ENV_<NAME> entries are used, as in Kestra; "
        "`kestra-nb encode plain.env -o .env_encoded` converts plain KEY=value lines",
    ]
    registry = text[18].splitlines()[-1].split()
    assert registry[:3] == ["True", "1", "1"] and registry[4] == "False"

    for i in (0, 6, 7, 8, 9, 15):  # user errors and reports: no traceback
        assert "Traceback" not in runner.outputs_text(nb, i)
    saved = (workdir / "executed.ipynb").read_text()
    for value in (*VALUES, BAD, PLAIN):
        assert value not in saved
    json.loads(saved)


@pytest.mark.kernel
def test_config_file_settings_apply_at_load(tmp_path: Path) -> None:
    """`c.KestraMagics.*` in the profile config is read when the extension loads."""
    runner = NotebookRunner(tmp_path)
    profile = runner.home / ".ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(
        "c.KestraMagics.env_files = ['team.env']\nc.KestraMagics.show = 'both'\n"
        "c.KestraMagics.mask = False\n"
    )
    (tmp_path / ".env_encoded").write_text(f"SECRET_API_KEY={b64(API_KEY)}\n")
    (tmp_path / "team.env").write_text(f"SECRET_TEAM={b64(CUSTOM)}\n")
    collide = {"SECRET_dup": b64("one-Value-Here"), "SECRET_DUP": b64("two-Value-Here")}
    nb = runner.run(
        [
            "%load_ext kestra_nb",
            "from kestra_nb.notebook.extension import current\n"
            "m = current().magics\n"
            "print(m.env_files, m.show, m.mask, current().masking.enabled,"
            " current().store.names())",
        ],
        env=collide,
    )
    out = runner.text(nb, 0)
    assert f"loaded {tmp_path}/team.env (1 secret, 0 envs)" in out
    assert "output masking OFF" in out and "WARNING: output masking is OFF" in out
    assert runner.text(nb, 1).strip() == "['team.env'] both False False ['TEAM']"
    # colliding SECRET_* names: Kestra refuses to start; the extension says so and goes on
    assert "invalid: SECRET_* environment variables not loaded:" in out
    assert "once upper-cased" in out
    assert "one-Value-Here" not in out and "two-Value-Here" not in out


@pytest.mark.kernel
def test_env_names_colliding_once_lower_cased_do_not_break_the_session(tmp_path: Path) -> None:
    """`ENV_STAGE` and `ENV_stage` are one `envs.stage` (Kestra would not start): the second
    is reported and left out, and `envs` keeps working in every later cell."""
    (tmp_path / "coll.env").write_text("ENV_STAGE=dev\nENV_stage=prod\n")
    runner = NotebookRunner(tmp_path)
    nb = runner.run(
        [
            "%load_ext kestra_nb",
            "%kestra_env coll.env",
            "%kestra_render stage={{ envs.stage }}",
            "%%kestra_flow\nid: f\nnamespace: n\ntasks:\n  - id: t\n    type: a.B\n"
            "    message: '{{ envs.stage }}'",
            "%kestra_env .",
        ],
        env={"ENV_REGION": "eu", "ENV_region": "us"},
    )
    assert "ENV_region: collides with ENV_REGION" in runner.text(nb, 0)
    loaded = runner.text(nb, 1)
    assert "ENV_stage: collides with ENV_STAGE once lower-cased" in loaded, loaded
    assert runner.text(nb, 2).strip() == "stage=dev"
    assert "message: dev" in runner.text(nb, 3)
    assert "is a directory" in runner.text(nb, 4)
    assert "Traceback" not in runner.outputs_text(nb)


@pytest.mark.kernel
def test_unload_gives_back_hooks_other_tools_installed(tmp_path: Path) -> None:
    """Another tool's instance-level hooks (`_showtraceback`, the session's `send`, a
    stream's `_flush_buffers`) are back after `%unload_ext`, not replaced by the class's."""
    runner = NotebookRunner(tmp_path)
    nb = runner.run(
        [
            "import sys\nip = get_ipython()\n"
            "def other_tb(*a, **k):\n    return orig_tb(*a, **k)\n"
            "orig_tb = ip._showtraceback\nip._showtraceback = other_tb\n"
            "send = ip.kernel.session.send\nip.kernel.session.send = send\n"
            "flush = sys.stdout._flush_buffers\nsys.stdout._flush_buffers = flush",
            "%load_ext kestra_nb",
            "print(ip._showtraceback is other_tb, ip.kernel.session.send is send)",
            "%unload_ext kestra_nb",
            "print(ip._showtraceback is other_tb, ip.kernel.session.send is send,"
            " sys.stdout.__dict__.get('_flush_buffers') is flush)",
        ]
    )
    assert runner.text(nb, 2).strip() == "False False"  # masking is in front while loaded
    assert runner.text(nb, 4).strip() == "True True True"


@pytest.mark.kernel
def test_a_secret_too_short_to_mask_is_said_in_one_plain_line(tmp_path: Path) -> None:
    (tmp_path / ".env_encoded").write_text(f"SECRET_PIN={b64('123')}\n")
    runner = NotebookRunner(tmp_path)
    nb = runner.run(["%load_ext kestra_nb"])
    lines = [line for line in runner.text(nb, 0).splitlines() if "PIN" in line]
    assert lines == [
        "kestra_nb: secret PIN is shorter than 4 characters and will not be masked in output"
    ]
