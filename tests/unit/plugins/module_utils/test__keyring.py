# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import base64
import hashlib

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import InvalidKeyError, KeyNotFoundError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import (
    Key,
    KeyRing,
    KeyRings,
    KeySources,
    configured_ring_names,
    ring_variables,
)


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


SOURCES = ("master_key", "master_key_file", "master_key_command", "var_master_key", "var_master_key_file",
           "SECRETS_MASTER_KEY", "SECRETS_MASTER_KEY_FILE")


def configure(tmp_path, source: str, ring: KeyRing, sources: dict, environ: dict) -> None:
    """Put ring in one source, DESIGN's way of giving it."""
    path = tmp_path / f"{source}.ring"
    path.write_text(ring.to_text())
    if source in ("master_key", "var_master_key"):
        sources[source] = ring.to_text()
    elif source == "master_key_command":
        # the engine is given the runner by the controller's adapter (tested in test__key_options.py)
        sources[source] = f"cat {path}"
        sources["run_command"] = lambda command, kid: KeyRing.from_file(command.split()[-1])
    elif source in ("master_key_file", "var_master_key_file"):
        sources[source] = str(path)
    elif source.endswith("_FILE"):
        environ[source] = str(path)
    else:
        environ[source] = ring.to_text()


@pytest.mark.parametrize("first, second", [(a, b) for a in SOURCES for b in SOURCES if a != b])
def test_the_first_source_in_design_order_wins(tmp_path, first: str, second: str) -> None:
    rings = {name: KeyRing([Key.generate(), Key.generate()]) for name in (first, second)}
    sources: dict = {}
    environ: dict = {}
    for name, ring in rings.items():
        configure(tmp_path, name, ring, sources, environ)
    winner = min(first, second, key=SOURCES.index)
    resolved = KeyRings(KeySources(environ=environ, **sources))
    assert resolved.for_writing().kids == rings[winner].kids
    # the loser of the same (unnamed) ring is not a candidate for opening either
    loser = second if winner == first else first
    assert resolved.for_opening(rings[loser].primary.kid).kids == rings[winner].kids


def test_no_source_names_every_way_to_give_one() -> None:
    with pytest.raises(KeyNotFoundError, match="SECRETS_MASTER_KEY not found: set the master_key"):
        KeyRings(KeySources(environ={})).for_writing()
    with pytest.raises(KeyNotFoundError, match="SECRETS_MASTER_KEY not found for the ring prod: .*SECRETS_MASTER_KEY_PROD"):
        KeyRings(KeySources(key_name="prod", environ={"SECRETS_MASTER_KEY": Key.generate().to_text()})).for_writing()


def test_named_rings_write_with_their_own_and_open_by_kid(tmp_path) -> None:
    prod, staging, unnamed = (KeyRing([Key.generate()]) for _ring in range(3))
    staging_file = tmp_path / "staging.ring"
    staging_file.write_text(staging.to_text())
    environ = {"SECRETS_MASTER_KEY_PROD": prod.to_text(), "SECRETS_MASTER_KEY_STAGING_FILE": str(staging_file),
               "SECRETS_MASTER_KEY": unnamed.to_text(), "SECRETS_MASTER_KEY_FILE": ""}
    assert configured_ring_names(environ) == ["PROD", "STAGING"]
    assert configured_ring_names({**environ, "SECRETS_MASTER_KEY_X_FILE_FILE": "f", "SECRETS_MASTER_KEY_A B": "k"}) == \
        ["PROD", "STAGING"]
    for name, ring in (("prod", prod), ("staging", staging), (None, unnamed)):
        rings = KeyRings(KeySources(key_name=name, environ=environ))
        assert rings.for_writing().kids == ring.kids
        for other in (prod, staging, unnamed):
            assert rings.for_opening(other.primary.kid).kids == other.kids
    only_staging = KeyRings(KeySources(key_name="staging", environ={"SECRETS_MASTER_KEY_STAGING_FILE": str(staging_file)}))
    ring = only_staging.for_opening(prod.primary.kid)
    assert ring.kids == staging.kids  # decrypting with it names the file's kid and the ring's (test__formats)
    assert ring_variables("eu-west") == ("SECRETS_MASTER_KEY_EU_WEST", "SECRETS_MASTER_KEY_EU_WEST_FILE")


@pytest.mark.parametrize("name", ["", "prod file", "../x", "file", "prod_file", "p$"])
def test_bad_key_names_are_refused(name: str) -> None:
    if not name:
        assert KeySources(key_name=name).key_name is None
        return
    with pytest.raises(KeyNotFoundError, match="key name"):
        KeySources(key_name=name)


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


@pytest.mark.parametrize("padded", [True, False])
def test_a_key_pasted_as_key_name_is_never_printed(padded: bool) -> None:
    text = Key.generate().to_text()
    text = text if padded else text.rstrip("=")
    with pytest.raises(KeyNotFoundError) as caught:
        KeyRings(KeySources(key_name=text, environ={})).for_writing()
    message = str(caught.value)
    assert "looks like a Fernet key" in message
    assert text not in message and text.upper() not in message and text.rstrip("=") not in message
