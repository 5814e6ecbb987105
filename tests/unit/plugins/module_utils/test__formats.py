# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import json
import re
import secrets
import string
from urllib.parse import quote

import pytest
from cryptography.fernet import Fernet
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import env_texts, examples

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    ChecksumMismatchError,
    FernetDotenvError,
    NotEncryptedError,
    WrongKeyError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, _lead_names, _mac, _seal, decrypt, encrypt
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


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@given(text=env_texts())
def test_values_format_holds_nothing_in_clear_but_identifier_names(text: str) -> None:
    doc = EnvDocument.parse(text)
    data = encrypt(doc, RING).decode("ascii")
    body = data.splitlines()[1:-2]
    for line in body:
        name, _sep, token = line.partition("=")
        assert _IDENTIFIER.fullmatch(name) and token.startswith("gAAAAA")
    assert len(body) <= len(doc.bindings)
    assert decrypt(data.encode("ascii"), RING).text == text


def _base64_lines(count: int, *, alphabet: str) -> list[str]:
    return ["".join(secrets.choice(alphabet) for _char in range(64)) for _line in range(count)]


@pytest.mark.parametrize("tail", ["", "=", "=="], ids=["no-padding", "one-pad", "two-pads"])
def test_continuation_lines_of_an_unquoted_value_never_reach_the_file_in_clear(tail: str) -> None:
    """python-dotenv reads each continuation line of an unquoted multi-line value (a PEM or base64 body) as a name
    of its own; 0.1.0 wrote those names - pieces of the secret - in clear. Some base64 lines have neither '+' nor
    '/' and are shaped like identifiers."""
    body = _base64_lines(3, alphabet=string.ascii_letters + string.digits)
    body += _base64_lines(2, alphabet=string.ascii_letters + string.digits + "+/")
    body.append(body.pop()[:20] + tail)
    text = "DB_HOST=db.internal\nSIGNING_CERT=MIIBIjAN" + "\n" + "\n".join(body) + "\nAPI_URL=https://x\n"
    data = encrypt(EnvDocument.parse(text), RING)
    for line in body:
        for start in range(0, len(line) - 8):
            assert line[start:start + 8].encode() not in data, "a piece of the value is in the file in clear"
    assert b"\nDB_HOST=gAAAAA" in data and b"\nSIGNING_CERT=gAAAAA" in data and b"\nAPI_URL=gAAAAA" in data
    opened = decrypt(data, RING)
    assert opened.text == text and opened.as_dict() == EnvDocument.parse(text).as_dict()
    # re-encrypting with the same key keeps every token, hidden bindings included
    assert encrypt(opened.document, RING, previous=opened) == data


def test_bindings_whose_names_are_not_identifiers_are_kept_in_the_layout() -> None:
    text = "GOOD=1\nsk_live+abc/def=2\n'quoted name'=3\nBARE\nexport OK=4\n"
    data = encrypt(EnvDocument.parse(text), RING)
    assert b"sk_live" not in data and b"quoted" not in data and b"BARE" not in data
    assert [line.split(b"=")[0] for line in data.splitlines()[1:-2]] == [b"GOOD", b"OK"]
    assert decrypt(data, RING).text == text


CRAFTED_LAYOUTS = {
    "not a list": "{}",
    "short binding item": "[[\"A=\"]]",
    "number item": "[1]",
    "hidden item of the wrong shape": "[{\"name\": 1}]",
}


@pytest.mark.parametrize("layout", CRAFTED_LAYOUTS.values(), ids=list(CRAFTED_LAYOUTS))
def test_a_crafted_layout_is_a_checksum_mismatch_never_a_python_error(layout: str) -> None:
    """Someone who holds the key can write any layout; reading it must fail as damage, not with a TypeError."""
    key = RING.primary
    lines = [f"$FERNET_DOTENV;1;values;kid={key.kid}", f"A={_seal(key, b'1')}",
             f"@layout={_seal(key, layout.encode())}"]
    lines.append(f"@mac={_mac(key, lines)}")
    with pytest.raises(ChecksumMismatchError):
        decrypt("".join(f"{line}\n" for line in lines).encode(), RING)


CRAFTED_LINES = {
    "value token not UTF-8": lambda key: [f"A={_seal(key, bytes([0xff, 0xfe]))}"],
    "name that does not decode": lambda key: [f"%FF={_seal(key, b'1')}"],
    "name that decodes to nothing usable": lambda key: [f"%0A={_seal(key, b'1')}"],
}


@pytest.mark.parametrize("make", CRAFTED_LINES.values(), ids=list(CRAFTED_LINES))
def test_crafted_lines_are_a_checksum_mismatch_never_a_python_error(make) -> None:
    key = RING.primary
    layout = _seal(key, json.dumps([["A=", ""]]).encode())
    lines = [f"$FERNET_DOTENV;1;values;kid={key.kid}", *make(key), f"@layout={layout}"]
    lines.append(f"@mac={_mac(key, lines)}")
    with pytest.raises(ChecksumMismatchError):
        decrypt("".join(f"{line}\n" for line in lines).encode(), RING)


def test_a_header_version_of_thousands_of_digits_is_damage() -> None:
    data = encrypt(EnvDocument.parse("A=1\n"), RING).replace(b";1;values", b";" + b"9" * 5000 + b";values", 1)
    with pytest.raises(ChecksumMismatchError):
        decrypt(data, RING)


@settings(max_examples=examples(400))
@given(data=st.data())
def test_mutated_files_raise_only_the_collections_errors(data) -> None:
    """Fuzz the decoder with real files of both formats, mutated: every failure is one of our errors."""
    fmt = data.draw(st.sampled_from(["values", "whole"]))
    text = data.draw(env_texts())
    original = bytearray(encrypt(EnvDocument.parse(text), RING, format=fmt))
    # every draw has the same shape whatever the bytes are: the tokens are random (IVs), so a draw bounded by a
    # length that a mutation made random would make hypothesis see a different test each time
    for _mutation in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "line"]))
        at = data.draw(st.integers(0, 1 << 20)) % len(original)
        if kind == "flip":
            original[at] ^= data.draw(st.integers(1, 255))
        elif kind == "insert":
            original[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del original[at:at + data.draw(st.integers(1, 8))]
        else:
            lines = bytes(original).split(b"\n")
            index, source = (data.draw(st.integers(0, 1 << 20)) % len(lines) for _draw in range(2))
            lines.insert(index, lines[source])
            original = bytearray(b"\n".join(lines))
        if not original:
            break
    try:
        decrypt(bytes(original), RING, path="fuzzed")
    except FernetDotenvError:
        pass


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


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                     max_leaves=8)


@settings(max_examples=examples(300))
@given(names=st.lists(st.text(max_size=6), max_size=4), values=st.lists(st.binary(max_size=6), max_size=4),
       layout=_JSON)
def test_files_crafted_by_a_key_holder_raise_only_the_collections_errors(names, values, layout) -> None:
    """Whoever holds the key can write any names, value tokens and layout under a valid MAC."""
    key = RING.primary
    lines = [f"$FERNET_DOTENV;1;values;kid={key.kid}"]
    lines += [f"{quote(name, safe='')}={_seal(key, value)}" for name, value in zip(names, values)]
    lines += [f"@layout={_seal(key, json.dumps(layout).encode())}"]
    lines.append(f"@mac={_mac(key, lines)}")
    try:
        decrypt("".join(f"{line}\n" for line in lines).encode(), RING, path="crafted")
    except FernetDotenvError:
        pass


@pytest.mark.parametrize("lead,name,has_value,matches", [
    ("FOO=", "FOO", True, True), ("\n\nexport  FOO =  ", "FOO", True, True), ("\ufeffFOO=", "FOO", True, True),
    ("'a b'=", "a b", True, True), ("'a\r\nb'=", "a\nb", True, True), ("FOO", "FOO", False, True),
    ("FOOBAR=", "BAR", True, False), ("FOO", "FOO", True, False), ("FOO=", "FOO", False, False), ("=", "", True, False),
])
def test_a_name_must_be_the_one_its_layout_writes(lead: str, name: str, has_value: bool, matches: bool) -> None:
    """What the lookup reads (the name in clear) and what decrypt_env writes (the layout) must agree."""
    assert _lead_names(lead, name, has_value=has_value) is matches
