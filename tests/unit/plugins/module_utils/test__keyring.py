# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import base64
import hashlib

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import InvalidKeyError, KeyNotFoundError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, resolve_key_ring


def test_fingerprint_and_kid() -> None:
    key = Key.generate()
    assert key.fingerprint == "sha256:" + hashlib.sha256(key.raw).hexdigest()
    assert key.kid == key.fingerprint[7:23]
    assert Key.from_text(key.to_text()) == key
    assert key.to_text() not in repr(key) and key.kid in repr(key)


@pytest.mark.parametrize("separator", [",", " ", "\n", " ,\n", "\r\n"])
def test_ring_separators_primary_first_and_duplicates_dropped(separator: str) -> None:
    a, b = Key.generate(), Key.generate()
    ring = KeyRing.from_text(separator.join([a.to_text(), b.to_text(), a.to_text()]) + "\n")
    assert ring.primary == a
    assert ring.fingerprints == [a.fingerprint, b.fingerprint]
    assert KeyRing.from_text(ring.to_text()).kids == ring.kids
    assert ring.find(b.kid) == b and ring.find("0" * 16) is None


def test_with_primary_builds_the_rotation_ring() -> None:
    old, new = Key.generate(), Key.generate()
    ring = KeyRing([old]).with_primary(new)
    assert ring.kids == [new.kid, old.kid]


BAD_KEYS = {
    "short": base64.urlsafe_b64encode(b"x" * 16).decode(),
    "long": base64.urlsafe_b64encode(b"x" * 48).decode(),
    "standard base64 alphabet": "+" * 43 + "=",
    "garbage": "not-a-key-at-all-but-long-enough-to-look-like-o",
}


@pytest.mark.parametrize("text", BAD_KEYS.values(), ids=list(BAD_KEYS))
def test_malformed_keys_are_named_never_shown(text: str) -> None:
    good = Key.generate().to_text()
    with pytest.raises(InvalidKeyError) as info:
        KeyRing.from_text(f"{good},{text}")
    assert "Invalid Fernet key" in str(info.value)
    assert "key 2 of the ring" in str(info.value)
    assert text not in str(info.value) and good not in str(info.value)


def test_resolution_order(tmp_path) -> None:
    keys = [Key.generate() for index in range(4)]
    key_file = tmp_path / "ring"
    key_file.write_text(keys[1].to_text() + "\n")
    env_file = tmp_path / "env-ring"
    env_file.write_text(keys[3].to_text())
    env = {"SECRETS_MASTER_KEY": keys[2].to_text(), "SECRETS_MASTER_KEY_FILE": str(env_file)}
    assert resolve_key_ring(master_key=keys[0].to_text(), master_key_file=str(key_file), environ=env).primary == keys[0]
    assert resolve_key_ring(master_key_file=str(key_file), environ=env).primary == keys[1]
    assert resolve_key_ring(environ=env).primary == keys[2]
    assert resolve_key_ring(environ={"SECRETS_MASTER_KEY_FILE": str(env_file)}).primary == keys[3]
    with pytest.raises(KeyNotFoundError, match="SECRETS_MASTER_KEY not found"):
        resolve_key_ring(environ={})


def test_key_file_problems_are_one_sentence(tmp_path) -> None:
    with pytest.raises(KeyNotFoundError, match=r"SECRETS_MASTER_KEY not found: the master key file .* does not exist"):
        KeyRing.from_file(str(tmp_path / "missing"))
    with pytest.raises(KeyNotFoundError, match="is a directory"):
        KeyRing.from_file(str(tmp_path))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(KeyNotFoundError, match="holds no key"):
        KeyRing.from_file(str(empty))
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(InvalidKeyError, match="Invalid Fernet key"):
        KeyRing.from_file(str(binary))
