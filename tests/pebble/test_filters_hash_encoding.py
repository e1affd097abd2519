"""Hashing and encoding filters: sha1/sha256/sha512/md5, base64, urlencode/urldecode
(Kestra's `Sha1FilterTest`, `Sha512FilterTest`, `Md5FilterTest`, `UrlDecodeFilter`)."""

from __future__ import annotations

import hashlib

import pytest

from kestra_nb import RenderError

CASES = [
    ("{{ 'hello' | sha1 }}", "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
    ("{{ 'hello' | sha256 }}", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
    (
        "{{ 'hello' | sha512 }}",
        "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca7"
        "2323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    ),
    ("{{ 'hello' | md5 }}", "5d41402abc4b2a76b9719d911017c592"),
    ("{{ 'é' | md5 }}", hashlib.md5("é".encode()).hexdigest()),  # UTF-8 bytes, as Kestra
    ("{{ null | sha1 }}", ""),
    ("{{ 'hello' | base64encode }}", "aGVsbG8="),
    ("{{ 'aGVsbG8=' | base64decode }}", "hello"),
    ("{{ 'aGVsbG8' | base64decode }}", "hello"),
    ("{{ 'héllo wörld' | base64encode | base64decode }}", "héllo wörld"),
    ("{{ 'a b&c=d/é~*' | urlencode }}", "a+b%26c%3Dd%2F%C3%A9%7E*"),
    ("{{ 'a+b%26c%3Dd%2F%C3%A9%7E*' | urldecode }}", "a b&c=d/é~*"),
    ("{{ 'http%3A%2F%2Fkestra.io' | urldecode }}", "http://kestra.io"),
    ("{{ '/w==' | base64decode }}", "\ufffd"),  # new String(bytes, UTF_8) replaces bad bytes
    ("{{ 'QQ' | base64decode }}", "A"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_hash_and_encoding(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ 'x!' | base64decode }}",
            "Please provide a correctly Base64 encoded string containing an UTF-8 string",
        ),
        ("{{ 'QQ=' | base64decode }}", "Please provide a correctly Base64 encoded string"),
        ("{{ 12 | base64decode }}", "This filter applies to String"),
        ("{{ 12 | base64encode }}", "This filter applies to String"),
        ("{{ 12 | sha1 }}", "Need a string to hash"),
        ("{{ 'a%zz' | urldecode }}", "URLDecoder"),
    ],
)
def test_encoding_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)
