# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Fernet spec's published test vectors, run through the engine's token layer."""
from __future__ import annotations

import base64
import datetime
import json
import os

import cryptography.fernet
import cryptography_vectors
import pytest
from cryptography.fernet import Fernet, InvalidToken
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import examples

from ansible_collections.fernet.dotenv.plugins.module_utils import _fernet
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt as decrypt_file
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing


def vectors(name: str) -> list[dict]:
    with cryptography_vectors.open_vector_file(os.path.join("fernet", name), "r") as handle:
        return json.load(handle)


def epoch(stamp: str) -> int:
    return int(datetime.datetime.fromisoformat(stamp).timestamp())


def secret(vector: dict) -> bytes:
    return base64.urlsafe_b64decode(vector["secret"])


@pytest.mark.parametrize("vector", vectors("generate.json"))
def test_generate_vectors_reproduce(vector: dict, monkeypatch) -> None:
    """The token layer with the vector's time and IV pinned here, in the test - product code takes neither."""
    monkeypatch.setattr(cryptography.fernet.time, "time", lambda: epoch(vector["now"]))
    monkeypatch.setattr(cryptography.fernet.os, "urandom", lambda size: bytes(vector["iv"]))
    token = _fernet.encrypt(secret(vector), vector["src"].encode())
    assert token.decode() == vector["token"]


@pytest.mark.parametrize("vector", vectors("verify.json"))
def test_verify_vectors_decrypt(vector: dict) -> None:
    plaintext = _fernet.decrypt(
        secret(vector), vector["token"].encode(), ttl=vector["ttl_sec"], now=epoch(vector["now"])
    )
    assert plaintext.decode() == vector["src"]


INVALID = vectors("invalid.json")


@pytest.mark.parametrize("vector", INVALID, ids=[v["desc"] for v in INVALID])
def test_invalid_vectors_are_rejected_with_a_reason(vector: dict) -> None:
    with pytest.raises(_fernet.InvalidToken) as info:
        _fernet.decrypt(secret(vector), vector["token"].encode(), ttl=vector["ttl_sec"], now=epoch(vector["now"]))
    assert str(info.value).startswith("the token")
    assert vector["secret"] not in str(info.value)


@pytest.mark.parametrize("vector", INVALID, ids=[v["desc"] for v in INVALID])
def test_invalid_vectors_as_files_fail_cleanly(vector: dict) -> None:
    """The same tokens stored as bare-token files: a domain error naming the file, never a traceback."""
    ring = KeyRing([Key(secret(vector))])
    data = vector["token"].encode() + b"\n"
    try:
        document = decrypt_file(data, ring, path="vector.env.encrypted")
    except FernetDotenvError as exc:
        assert "vector.env.encrypted" in str(exc)
    else:
        # expired or future-dated tokens still decrypt: encrypted files carry no TTL
        assert vector["desc"] in ("expired TTL", "far-future TS (unacceptable clock skew)")
        assert document.format == "bare"


def test_tokens_interoperate_with_cryptography_fernet() -> None:
    key = Key.generate()
    fernet = Fernet(key.to_text().encode())
    assert fernet.decrypt(_fernet.encrypt(key.raw, b"ours")) == b"ours"
    assert _fernet.decrypt(key.raw, fernet.encrypt(b"theirs")) == b"theirs"


def test_wrong_key_and_shape_checks() -> None:
    key, other = Key.generate(), Key.generate()
    token = _fernet.encrypt(key.raw, b"x")
    assert _fernet.verify_mac(key.raw, token)
    assert not _fernet.verify_mac(other.raw, token)
    assert not _fernet.verify_mac(key.raw, b"not a token")
    assert _fernet.looks_like_token(token)
    assert not _fernet.looks_like_token(b"A=1")
    with pytest.raises(_fernet.InvalidToken, match="does not verify"):
        _fernet.decrypt(other.raw, token)


_TOKEN_ALPHABET = st.sampled_from(list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \n"))


@settings(max_examples=examples(3000))
@given(data=st.data())
def test_differential_never_accepts_what_cryptography_rejects(data) -> None:
    """The token layer is cryptography's Fernet behind a stricter shape check: on real tokens mutated every which
    way, whatever it accepts, Fernet accepts with the same plaintext, and it rejects with its own error."""
    key = DIFF_KEY
    token = bytearray(_fernet.encrypt(key.raw, data.draw(st.binary(max_size=40))))
    for _mutation in range(data.draw(st.integers(0, 3))):
        kind = data.draw(st.sampled_from(["set", "insert", "delete", "append"]))
        at = data.draw(st.integers(0, len(token) - 1))
        if kind == "set":
            token[at] = data.draw(_TOKEN_ALPHABET)
        elif kind == "insert":
            token.insert(at, data.draw(_TOKEN_ALPHABET))
        elif kind == "delete":
            del token[at]
        else:
            token += bytes(data.draw(st.lists(_TOKEN_ALPHABET, min_size=1, max_size=3)))
    token = bytes(token)
    try:
        ours = _fernet.decrypt(key.raw, token)
    except _fernet.InvalidToken:
        ours = None
    try:
        theirs = DIFF_FERNET.decrypt(token)
    except (InvalidToken, ValueError, TypeError):
        theirs = None
    if ours is not None:
        assert ours == theirs


DIFF_KEY = Key.generate()
DIFF_FERNET = Fernet(DIFF_KEY.to_text().encode())
