"""`kestra-nb encode` / `kestra-nb decode`, run as real subprocesses on real files."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from dotenv import dotenv_values

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n"
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu\n"
    "-----END PRIVATE KEY-----"
)
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0" * 4 + ".sig"

# Every hard case of the issue in one CRLF file with a BOM.
MESSY = (
    "\ufeff# production secrets\r\n"
    "\r\n"
    "MYPASSWORD=password\r\n"
    f"JWT={JWT}\r\n"
    f'PRIVATE_KEY="{PEM}"\r\n'
    "export EXPORTED=exp-value\r\n"
    "QUOTED='single # not a comment'  # a comment\r\n"
    "FERNET=abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPg=\r\n"
    "ECHO_OPT=-e\r\n"
    "NOVALUE\r\n"
    "BROKEN='unterminated\r\n"
    "LAST=no-final-newline"
)
EXPECTED = {
    "MYPASSWORD": "password",
    "JWT": JWT,
    "PRIVATE_KEY": PEM,
    "EXPORTED": "exp-value",
    "QUOTED": "single # not a comment",
    "FERNET": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPg=",
    "ECHO_OPT": "-e",
    "LAST": "no-final-newline",
}


def kestra_nb(
    *args: str, cwd: Path, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command (this interpreter's `python -m kestra_nb`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "kestra_nb", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        check=False,
        timeout=60,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def no_secret_in(text: str) -> None:
    for value in (*EXPECTED.values(), "unterminated"):
        if len(value) >= 4:
            assert value not in text
            assert base64.b64encode(value.encode()).decode() not in text


def decoded_lines(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition("=")
        assert key.startswith("SECRET_")
        out[key[len("SECRET_") :]] = base64.b64decode(value, validate=True).decode("utf-8")
    return out


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_bytes(MESSY.encode("utf-8"))
    return path


def test_encode_to_stdout_loses_nothing_and_reports_lines(messy: Path) -> None:
    proc = kestra_nb("encode", messy.name, cwd=messy.parent)
    assert proc.returncode == 1  # two lines could not be converted, and they are reported
    assert decoded_lines(proc.stdout) == EXPECTED
    assert proc.stdout.endswith("\n") and "\r" not in proc.stdout and "\ufeff" not in proc.stdout
    assert len(proc.stdout.splitlines()) == len(EXPECTED)  # one unwrapped line per secret
    err = proc.stderr.splitlines()
    assert any(line.startswith("kestra-nb encode: .env:13: NOVALUE:") for line in err)
    assert any(".env:14:" in line and "cannot be parsed" in line for line in err)
    assert "Traceback" not in proc.stderr
    no_secret_in(proc.stderr)


def test_encode_output_file_decodes_back_with_kestra_rules(messy: Path) -> None:
    work = messy.parent
    proc = kestra_nb("encode", ".env", "-o", ".env_encoded", cwd=work)
    assert proc.returncode == 1, proc.stderr
    out = work / ".env_encoded"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "wrote 8 secrets to .env_encoded" in proc.stderr
    assert decoded_lines(out.read_text(encoding="utf-8")) == EXPECTED
    # every consumer of the file reads it back exactly: python-dotenv (Compose v1) ...
    raw = dotenv_values(out, interpolate=False)
    assert {k[7:]: base64.b64decode(v).decode() for k, v in raw.items() if v} == EXPECTED
    # ... and `kestra-nb decode`, which applies Kestra's SecretService rules
    dec = kestra_nb("decode", ".env_encoded", cwd=work)
    assert dec.returncode == 0, dec.stderr
    assert dec.stdout.splitlines() == sorted(EXPECTED)
    no_secret_in(dec.stdout + dec.stderr)
    shown = kestra_nb("decode", ".env_encoded", "--show-values", cwd=work)
    assert shown.returncode == 0
    assert '"-----BEGIN PRIVATE KEY-----\\nMIIEv' in shown.stdout  # JSON string, one line each
    assert len(shown.stdout.splitlines()) == len(EXPECTED)


def test_encode_clean_file_exits_zero(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\nB=two\n")
    proc = kestra_nb("encode", ".env", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    assert proc.stdout == "SECRET_A=MQ==\nSECRET_B=dHdv\n"
    piped = kestra_nb("encode", "-", cwd=tmp_path, stdin=b"C=3\n")
    assert piped.returncode == 0 and piped.stdout == "SECRET_C=Mw==\n"


def test_collision_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("api_key=one\nOTHER=x\nAPI_KEY=two\n")
    proc = kestra_nb("encode", ".env", "-o", "out.env", cwd=tmp_path)
    assert proc.returncode == 1
    assert not (tmp_path / "out.env").exists()
    assert ".env:3: API_KEY: collides with 'api_key' (line 1)" in proc.stderr
    assert "nothing written" in proc.stderr
    assert proc.stdout == ""


def test_existing_target_needs_force_and_keeps_a_backup(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=new\n")
    target = tmp_path / "out.env"
    target.write_text("SECRET_A=b2xk\n")
    target.chmod(0o644)
    proc = kestra_nb("encode", ".env", "-o", "out.env", cwd=tmp_path)
    assert proc.returncode == 2
    assert "out.env: already exists (use --force" in proc.stderr
    assert target.read_text() == "SECRET_A=b2xk\n"
    proc = kestra_nb("encode", ".env", "-o", "out.env", "--force", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == "SECRET_A=bmV3\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    backup = tmp_path / "out.env.bak"
    assert backup.read_text() == "SECRET_A=b2xk\n"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert "previous file kept as" in proc.stderr


def test_output_over_the_input_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    proc = kestra_nb("encode", ".env", "-o", ".env", "--force", cwd=tmp_path)
    assert proc.returncode == 2 and "is the input file" in proc.stderr
    assert (tmp_path / ".env").read_text() == "A=1\n"


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["encode", "missing.env"], "missing.env: no such file"),
        (None, ["decode", "missing.env"], "missing.env: no such file"),
        ("dir", ["encode", "adir"], "adir: is a directory"),
        ("latin1", ["encode", "latin1.env"], "latin1.env:2: not UTF-8 text"),
        ("latin1", ["decode", "latin1.env"], "latin1.env:2: not UTF-8 text"),
        ("ok", ["encode", "ok.env", "-o", "ok.env/out"], "cannot write"),
        ("ok", ["encode", "ok.env", "-o", "no/such/dir/out"], "cannot write"),
        ("ok", ["encode", "ok.env", "-o", "adir"], "adir: is a directory"),
    ],
)
def test_io_errors_are_one_line_exit_2(
    tmp_path: Path, setup: str | None, args: list[str], message: str
) -> None:
    (tmp_path / "adir").mkdir()
    (tmp_path / "ok.env").write_text("A=1\n")
    (tmp_path / "latin1.env").write_bytes(b"A=1\nB=caf\xe9\n")
    proc = kestra_nb(*args, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and message in lines[0], proc.stderr
    assert proc.stdout == ""


def test_unwritable_directory(tmp_path: Path) -> None:
    """A directory the user may not write into. Root writes into a mode-0500 directory, so
    as root the target is in sysfs, where no one may create files."""
    (tmp_path / ".env").write_text("A=1\n")
    if os.geteuid() == 0:
        target = "/sys/kestra-nb-test.env"
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = "locked/out.env"
    proc = kestra_nb("encode", ".env", "-o", target, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.splitlines() == [
        f"kestra-nb encode: {target}: cannot write: Permission denied"
    ]
    assert not Path(target if target.startswith("/") else tmp_path / target).exists()


def test_decode_reports_bad_entries_by_key_and_reason(tmp_path: Path) -> None:
    (tmp_path / "bad.env_encoded").write_text(
        "SECRET_GOOD=cGFzc3dvcmQ=\n"
        "SECRET_PLAIN=some secret value\n"
        "SECRET_URLSAFE=c-Fzc3dvcmQ\n"
        "SECRET_PAD=QQ=\n"
        "ENV_OTHER=ignored\n"
    )
    proc = kestra_nb("decode", "bad.env_encoded", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == ["GOOD"]
    err = proc.stderr
    assert "bad.env_encoded:2: SECRET_PLAIN: not base64: contains a space" in err
    assert "bad.env_encoded:3: SECRET_URLSAFE:" in err and "URL-safe" in err
    assert "bad.env_encoded:4: SECRET_PAD:" in err and "padding" in err
    assert "some secret" not in err and "password" not in proc.stdout + err
    assert "1 secret decoded; 3 problems" in err


def test_decode_flags_a_collision(tmp_path: Path) -> None:
    (tmp_path / "c.env").write_text("SECRET_key=YQ==\nSECRET_KEY=Yg==\n")
    proc = kestra_nb("decode", "c.env", cwd=tmp_path)
    assert proc.returncode == 1
    assert "c.env:2: SECRET_KEY: collides with 'SECRET_key' (line 1)" in proc.stderr


def test_interpolate_option(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BASE=b\nURL=${BASE}/x\n")
    literal = kestra_nb("encode", ".env", cwd=tmp_path)
    assert decoded_lines(literal.stdout)["URL"] == "${BASE}/x"
    assert "note: .env:2: URL:" in literal.stderr and literal.returncode == 0
    expanded = kestra_nb("encode", ".env", "--interpolate", cwd=tmp_path)
    assert decoded_lines(expanded.stdout)["URL"] == "b/x"


def test_help_on_every_subcommand(tmp_path: Path) -> None:
    for command in ("encode", "decode"):
        proc = kestra_nb(command, "--help", cwd=tmp_path)
        assert proc.returncode == 0 and "exit status" in proc.stdout
    usage = kestra_nb("encode", cwd=tmp_path)
    assert usage.returncode == 2 and "usage:" in usage.stderr


def test_decode_evaluates_dotenv_macros(tmp_path: Path) -> None:
    """The secrets page's macro form is evaluated (with a note that Kestra would not)."""
    (tmp_path / "m.env").write_text(
        'SECRET_MYPASSWORD={{ "password" | base64encode }}\n'
        'SECRET_BAD={{ "hunter2hunter2" | no_such_filter }}\n'
    )
    proc = kestra_nb("decode", "m.env", "--show-values", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == 'MYPASSWORD="password"\n'
    assert "m.env:2: SECRET_BAD: macro could not be evaluated" in proc.stderr
    assert "note: m.env:1: SECRET_MYPASSWORD: macro evaluated" in proc.stderr
    assert "hunter2" not in proc.stderr


def test_decode_hides_names_made_of_value_fragments(tmp_path: Path) -> None:
    """The documented bash loop turns the lines of a wrapped value into `SECRET_<key
    material>=` entries; `decode` lists them by line, not by that "name"."""
    fragment = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
    (tmp_path / "in.env").write_text(
        f"SECRET_OK=dmFsdWU=\nSECRET_{fragment}=\nSECRET_api_key=dmFsdWU=\n"
    )
    proc = kestra_nb("decode", "in.env", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        "API_KEY",  # a lower-case name, as `encode` writes it for `api_key=...`
        "(line 2: name not shown, it looks like part of a value)",
        "OK",
    ]
    assert fragment.upper() not in proc.stdout + proc.stderr


def test_encode_only_writes_just_the_named_secrets_into_a_file(tmp_path: Path) -> None:
    """`--only NAME` (what a flow needs on a server): those lines, into a file, never printed."""
    (tmp_path / ".env").write_text("API_TOKEN=tok-value-1\nDB_PASS=db-value-2\nOTHER=o-value-3\n")
    refused = kestra_nb("encode", ".env", "--only", "api_token", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "give -o OUT" in refused.stderr and "tok-value" not in refused.stderr

    proc = kestra_nb(
        "encode",
        ".env",
        "--only",
        "api_token",
        "--only",
        "DB_PASS",
        "-o",
        "server.env",
        cwd=tmp_path,
    )
    assert proc.returncode == 0 and proc.stdout == ""
    assert "wrote 2 secrets to server.env" in proc.stderr
    written = (tmp_path / "server.env").read_text()
    assert dotenv_values(tmp_path / "server.env") == {
        "SECRET_API_TOKEN": base64.b64encode(b"tok-value-1").decode(),
        "SECRET_DB_PASS": base64.b64encode(b"db-value-2").decode(),
    }
    assert stat.S_IMODE((tmp_path / "server.env").stat().st_mode) == 0o600
    assert "OTHER" not in written

    missing = kestra_nb("encode", ".env", "--only", "NOPE", "-o", "n.env", cwd=tmp_path)
    assert missing.returncode == 1 and "--only NOPE: not in .env" in missing.stderr
