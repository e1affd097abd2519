"""SecretStore: Kestra's SecretService rules, dotenv loading, sources, subscribers, envs."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import kestra_nb
from kestra_nb.dotenv_codec import encode_value
from kestra_nb.errors import DotenvError, SecretNotFound, SecretStoreError
from kestra_nb.secrets import LoadReport, SecretDecodeWarning, SecretStore, envs_from

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"


def test_plain_store_lookup_is_case_insensitive() -> None:
    store = SecretStore({"api_key": "k-123", "DB_PASSWORD": "hunter22"})
    assert store.get("API_KEY") == "k-123" == store.get("api_key") == store.get("Api_Key")
    assert store.names() == ["API_KEY", "DB_PASSWORD"] == list(store)
    assert len(store) == 2 and "db_password" in store and "nope" not in store and 3 not in store
    assert store.values() == ["k-123", "hunter22"]
    assert store.source_of("api_key") == "session"
    with pytest.raises(SecretNotFound) as info:
        store.get("missing_one")
    assert str(info.value) == "Cannot find secret for key 'missing_one'."  # Kestra's text
    assert isinstance(info.value, kestra_nb.KestraNbError)


def test_repr_and_str_never_show_values() -> None:
    store = SecretStore({"TOKEN": "s3cr3t-value", "PEM": PEM})
    for text in (repr(store), str(store), f"{store}"):
        assert "s3cr3t" not in text and "BEGIN" not in text
        assert "TOKEN" in text and "2 secrets" in text
    with pytest.raises(TypeError):
        pickle.dumps(store)


def test_from_environ_follows_secret_service() -> None:
    environ = {
        "SECRET_MY_SECRET": encode_value('{"secretKey":"secretValue"}'),
        "SECRET_NEW_LINE": "cGFz\nc3dv\ncmQ=",  # wrapped base64: line breaks stripped
        "SECRET_PASSWORD": "cGFzc3dvcmQ=",
        "SECRET_lower": "bXlwYXQ=",
        "SECRET_NON_B64_SECRET": "some secret value",
        "secret_wrong_case": "eA==",
        "Secret_Mixed": "eA==",
        "PATH": "/usr/bin",
        "SECRET_PEM": encode_value(PEM),
    }
    with pytest.warns(SecretDecodeWarning) as caught:
        store = SecretStore.from_environ(environ)
    assert store.names() == ["LOWER", "MY_SECRET", "NEW_LINE", "PASSWORD", "PEM"]
    assert store.get("my_secret") == '{"secretKey":"secretValue"}'
    assert store.get("NEW_LINE") == "password" == store.get("password")
    assert store.get("pem") == PEM
    assert store.source_of("PEM") == "environment"
    assert "NON_B64_SECRET" not in store
    (problem,) = store.problems
    assert isinstance(problem, DotenvError) and problem.key == "SECRET_NON_B64_SECRET"
    (warning,) = caught
    assert "SECRET_NON_B64_SECRET" in str(warning.message)
    assert "some secret" not in str(warning.message)


def test_colliding_names_are_an_error() -> None:
    with pytest.raises(SecretStoreError) as info:
        SecretStore.from_environ({"SECRET_a": "eA==", "SECRET_A": "eQ=="})
    assert "SECRET_a" in str(info.value) and "eA==" not in str(info.value)
    with pytest.raises(SecretStoreError):
        SecretStore({"api_key": "1", "API_KEY": "2"})


def test_add_replaces_by_upper_cased_name_and_validates() -> None:
    store = SecretStore.from_environ({"SECRET_API_KEY": "b2xk"})
    store.add("api_key", "new")  # the same secret for Kestra: replaced, not a collision
    assert store.get("API_KEY") == "new" and store.source_of("API_KEY") == "session"
    assert store.names() == ["API_KEY"]
    store.add("db.host-name", "x", source="manual")
    assert store.source_of("DB.HOST-NAME") == "manual"
    for bad in ("", "has space", "a=b", "a#b", "é"):
        with pytest.raises(SecretStoreError):
            store.add(bad, "v")
    with pytest.raises(SecretStoreError) as info:
        store.add("OK", 42)  # type: ignore[arg-type]
    assert "42" not in str(info.value)
    store.remove("api_KEY")
    assert "API_KEY" not in store
    with pytest.raises(SecretNotFound):
        store.remove("api_key")
    with pytest.raises(SecretNotFound):
        store.source_of("api_key")


def test_subscribers_see_every_value_added() -> None:
    store = SecretStore({"FIRST": "one"})
    seen: list[tuple[str, str]] = []
    unsubscribe = store.subscribe(lambda name, value: seen.append((name, value)))
    assert seen == [("FIRST", "one")]  # existing values are replayed
    store.add("second", "two")
    store.add("first", "uno")
    assert seen[1:] == [("SECOND", "two"), ("FIRST", "uno")]
    unsubscribe()
    store.add("third", "three")
    assert ("THIRD", "three") not in seen


def test_load_dotenv_adds_a_files_secrets_and_reports(tmp_path: Path) -> None:
    path = tmp_path / ".env_encoded"
    path.write_bytes(
        (
            "\ufeff# encoded by kestra-nb\r\n"
            f"SECRET_PEM={encode_value(PEM)}\r\n"
            "SECRET_TOKEN=dG9rZW4tMQ==\r\n"
            "SECRET_BROKEN=not base64!\r\n"
            "ENV_MY_VAR=Pass by env\r\n"
            "ENV_TEST1=true\r\n"
            "PLAIN=plain\r\n"
        ).encode()
    )
    store = SecretStore({"TOKEN": "old"})
    seen: list[str] = []
    store.subscribe(lambda name, value: seen.append(name))
    with pytest.warns(SecretDecodeWarning, match="SECRET_BROKEN"):
        report = store.load_dotenv(path)
    assert isinstance(report, LoadReport)
    assert report.path == str(path)
    assert report.secret_names == ["PEM", "TOKEN"]
    assert report.env_names == ["my_var", "test1"]
    assert report.environ == {"ENV_MY_VAR": "Pass by env", "ENV_TEST1": "true", "PLAIN": "plain"}
    assert [(p.line, p.key) for p in report.problems] == [(4, "SECRET_BROKEN")]
    assert not report.ok
    assert "Pass by env" not in repr(report) and "BEGIN" not in repr(report)
    assert store.get("pem") == PEM and store.get("token") == "token-1"
    assert store.source_of("TOKEN") == str(path)
    assert seen == ["TOKEN", "PEM", "TOKEN"]
    assert store.problems == report.problems


def test_from_dotenv_and_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "s.env"
    path.write_text("SECRET_A=YQ==\n")
    store = SecretStore.from_dotenv(path)
    assert store.get("a") == "a" and store.source_of("A") == str(path)
    (tmp_path / "latin1.env").write_bytes(b"SECRET_A=caf\xe9\n")
    for bad in (tmp_path / "missing.env", tmp_path, tmp_path / "latin1.env"):
        with pytest.raises(DotenvError):
            SecretStore.from_dotenv(bad)
    collide = tmp_path / "collide.env"
    collide.write_text("SECRET_x=YQ==\nSECRET_Y=YQ==\nSECRET_X=Yg==\n")
    store = SecretStore()
    with pytest.raises(SecretStoreError, match=r"collide\.env:3: SECRET_X"):
        store.load_dotenv(collide)
    assert len(store) == 0  # nothing from a refused file is added


def test_from_env_reads_os_environ() -> None:
    code = (
        "from kestra_nb.secrets import SecretStore\n"
        "s = SecretStore.from_env()\n"
        "print(s.names(), s.get('from_env_test'), s.source_of('FROM_ENV_TEST'))\n"
    )
    env = {**os.environ, "SECRET_FROM_ENV_TEST": encode_value("üñí")}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "'FROM_ENV_TEST'" in out and "üñí environment" in out


def test_envs_from() -> None:
    environ = {
        "ENV_MY_VAR": "value",
        "ENV_TEST2": '"Pass by env"',
        "env_lower": "no",
        "SECRET_X": "eA==",
        "ENV_NONE": None,
    }
    assert envs_from(environ) == {"my_var": "value", "test2": '"Pass by env"'}
    assert envs_from({"KESTRA_URL": "u", "KESTRA_JAVA_OPTS": "-X"}, prefix="KESTRA_") == {
        "url": "u"
    }
    with pytest.raises(SecretStoreError, match=r"envs\.a"):
        envs_from({"ENV_a": "1", "ENV_A": "2"})


def test_macro_values_are_rendered_when_a_file_is_loaded(tmp_path: Path) -> None:
    """The seed page's macro form; needs the expression engine (`kestra_nb.pebble`)."""
    path = tmp_path / ".env"
    path.write_text(
        'SECRET_MYPASSWORD={{ "password" | base64encode }}\n'
        'SECRET_GITHUB_ACCESS_TOKEN={{ "mypat" | base64encode }}\n'
    )
    store = SecretStore.from_dotenv(path)
    assert store.get("MYPASSWORD") == "password"
    assert store.get("github_access_token") == "mypat"


def test_a_failing_macro_is_reported_without_its_text(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text('SECRET_X={{ "hunter2hunter2" | no_such_filter_anywhere }}\nSECRET_Y=eQ==\n')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store = SecretStore.from_dotenv(path)
    assert store.names() == ["Y"]
    (problem,) = store.problems
    assert problem.key == "SECRET_X" and "macro" in problem.message
    for w in caught:
        assert "hunter2" not in str(w.message)


def test_an_envs_clash_in_a_file_does_not_block_its_secrets(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("ENV_a=1\nENV_A=2\nSECRET_OK=b2s=\n")
    store = SecretStore()
    with pytest.warns(SecretDecodeWarning, match=r"envs\.a"):
        report = store.load_dotenv(path)
    assert store.get("ok") == "ok" and report.env_names == [] and not report.ok


def test_note_derived_tells_subscribers_without_keeping_the_value() -> None:
    """A JSON field read with `secret(key, subkey=...)` reaches the masker (as Kestra hands
    every value `secret()` returns to its log masker), but the store does not keep it."""
    from kestra_nb import Renderer

    store = SecretStore({"DB": '{"user": "svc", "password": "fake-field-pass"}'})
    seen: list[tuple[str, str]] = []
    store.subscribe(lambda name, value: seen.append((name, value)))
    out = Renderer(secrets=store).render("{{ secret('db', subkey='password') }}")
    assert out == "fake-field-pass"
    assert seen[-1] == ("DB.password", "fake-field-pass")
    assert store.names() == ["DB"] and len(store) == 1
