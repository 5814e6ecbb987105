# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import secrets

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st
from strategies import env_texts

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    ChecksumMismatchError,
    FernetDotenvError,
    NotEncryptedError,
    WrongKeyError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

RING = KeyRing([Key.generate()])
OTHER = KeyRing([Key.generate()])


def secret_env(count: int = 6) -> tuple[str, list[str]]:
    """A .env with random values, so a leak in any message is detectable."""
    values = [secrets.token_urlsafe(18) for index in range(count)]
    lines = ["# database", *(f"VAR_{n}={value}" for n, value in enumerate(values)), "", "export LAST='x y'"]
    return "\n".join(lines) + "\n", values


@pytest.mark.parametrize("fmt", ["values", "whole"])
@given(text=env_texts())
def test_round_trip_is_byte_exact(fmt: str, text: str) -> None:
    data = encrypt(EnvDocument.parse(text), RING, format=fmt)
    opened = decrypt(data, RING, path="t")
    assert opened.text.encode("utf-8") == text.encode("utf-8")
    assert opened.format == fmt and opened.kid == RING.primary.kid


@given(text=env_texts())
def test_values_format_holds_nothing_in_clear_but_names(text: str) -> None:
    doc = EnvDocument.parse(text)
    data = encrypt(doc, RING).decode("ascii")
    body = data.splitlines()[1:-2]
    for line in body:
        token = line.partition("=")[2]
        assert not token or token.startswith("gAAAAA")
    assert len(body) == len(doc.bindings)


def test_unchanged_values_keep_their_tokens() -> None:
    text = secret_env()[0]
    first = encrypt(EnvDocument.parse(text), RING)
    opened = decrypt(first, RING)
    assert encrypt(opened.document, RING, previous=opened) == first
    opened.document.set("VAR_2", "changed")
    second = encrypt(opened.document, RING, previous=opened).decode().splitlines()
    changed = [a for a, b in zip(first.decode().splitlines(), second) if a != b]
    assert [line.split("=", 1)[0] for line in changed] == ["VAR_2", "@mac"]


def test_a_new_key_re_encrypts_every_token() -> None:
    text = secret_env()[0]
    first = encrypt(EnvDocument.parse(text), RING)
    opened = decrypt(first, RING)
    rotated = encrypt(opened.document, OTHER, previous=opened).decode().splitlines()
    same = set(first.decode().splitlines()[1:]) & set(rotated[1:])
    assert same == set()


def test_ring_decrypts_files_of_any_member() -> None:
    text = secret_env()[0]
    data = encrypt(EnvDocument.parse(text), OTHER)
    ring = RING.with_primary(OTHER.primary)
    assert decrypt(data, KeyRing([*RING.keys, *OTHER.keys])).text == text
    assert decrypt(data, ring).kid == OTHER.primary.kid


def test_bare_tokens_are_read_as_whole() -> None:
    text = secret_env()[0]
    token = Fernet(RING.primary.to_text().encode()).encrypt(text.encode())
    opened = decrypt(token + b"\n", KeyRing([*OTHER.keys, *RING.keys]))
    assert opened.text == text and opened.format == "bare" and opened.kid == RING.primary.kid
    with pytest.raises(WrongKeyError, match="bare Fernet token names no key"):
        decrypt(token, OTHER, path="legacy.enc")


@pytest.mark.parametrize("fmt", ["values", "whole"])
def test_wrong_key_names_both_kids_and_no_value(fmt: str) -> None:
    text, values = secret_env()
    data = encrypt(EnvDocument.parse(text), RING, format=fmt)
    with pytest.raises(WrongKeyError) as info:
        decrypt(data, OTHER, path="prod.env.encrypted")
    message = str(info.value)
    assert "Invalid encryption key or corrupted file" in message
    assert RING.primary.kid in message and OTHER.primary.kid in message
    assert "prod.env.encrypted" in message
    assert not any(value in message for value in values)


def tampered_values_files(data: bytes) -> dict[str, bytes]:
    lines = data.decode().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    return {
        "swap two lines": "".join([header, body[1], body[0], *body[2:]]).encode(),
        "delete a line": "".join([header, *body[1:]]).encode(),
        "duplicate a line": "".join([header, body[0], *body]).encode(),
        "reorder lines": "".join([header, *reversed(body[:-2]), *body[-2:]]).encode(),
        "add a line": "".join([header, "EXTRA=" + body[0].split("=", 1)[1], *body]).encode(),
        "swap two tokens": "".join(
            [header, body[0].split("=")[0] + "=" + body[1].split("=", 1)[1],
             body[1].split("=")[0] + "=" + body[0].split("=", 1)[1], *body[2:]]
        ).encode(),
        "rename a variable": "".join([header, "X" + body[0], *body[1:]]).encode(),
        "drop the mac": "".join([header, *body[:-1]]).encode(),
        "truncate": data[: len(data) // 2],
    }


def test_values_tampering_is_a_checksum_mismatch() -> None:
    text, values = secret_env()
    data = encrypt(EnvDocument.parse(text), RING)
    for what, damaged in tampered_values_files(data).items():
        with pytest.raises(ChecksumMismatchError) as info:
            decrypt(damaged, RING, path="app.env.encrypted")
        assert "Checksum mismatch" in str(info.value), what
        assert not any(value in str(info.value) for value in values)


@pytest.mark.parametrize("fmt", ["values", "whole"])
def test_every_single_byte_flip_is_detected(fmt: str) -> None:
    text, values = secret_env(3)
    data = encrypt(EnvDocument.parse(text), RING, format=fmt)
    for index in range(len(data)):
        damaged = bytearray(data)
        damaged[index] ^= 0x01 if data[index] not in b"\n" else 0x20
        try:
            opened = decrypt(bytes(damaged), RING, path="f")
        except ChecksumMismatchError as exc:
            assert not any(value in str(exc) for value in values)
            continue
        except FernetDotenvError as exc:
            pytest.fail(f"byte {index}: {type(exc).__name__}: {exc}")
        # base64 padding bits and trailing whitespace are not part of the data: a flip there changes nothing
        assert opened.text == text, f"byte {index} changed the plaintext undetected"


def test_whole_truncation_is_a_checksum_mismatch() -> None:
    text = secret_env()[0]
    data = encrypt(EnvDocument.parse(text), RING, format="whole")
    for cut in (len(data) - 10, len(data) // 2, data.index(b"\n") + 5):
        with pytest.raises(ChecksumMismatchError):
            decrypt(data[:cut], RING)


def test_plaintext_is_not_mistaken_for_an_encrypted_file() -> None:
    with pytest.raises(NotEncryptedError, match="not an encrypted .env file"):
        decrypt(b"A=1\n", RING, path="plain.env")
    with pytest.raises(NotEncryptedError):
        decrypt(b"", RING)


def test_inspection_without_a_key() -> None:
    data = encrypt(EnvDocument.parse("A=1\n"), RING, format="whole")
    info = EncryptedEnv.parse(data)
    assert (info.format, info.kid) == ("whole", RING.primary.kid)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(FernetDotenvError, match="Unknown format"):
        encrypt(EnvDocument.parse("A=1\n"), RING, format="yaml")


@given(st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,8}", fullmatch=True), st.text(max_size=20), max_size=8))
def test_documents_from_dicts_round_trip(values: dict[str, str]) -> None:
    data = encrypt(EnvDocument.from_dict(values), RING)
    assert decrypt(data, RING).as_dict() == values


def test_repr_never_shows_plaintext() -> None:
    text, values = secret_env()
    opened = decrypt(encrypt(EnvDocument.parse(text), RING), RING)
    shown = repr(opened) + repr(opened.document.entries)
    assert opened.kid in shown and "VAR_0" in shown
    assert not any(value in shown for value in values)
