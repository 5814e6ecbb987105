# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError, InvalidKeyError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyfiles import KeyFile
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing


def keys(count: int) -> list[Key]:
    return [Key.generate() for _key in range(count)]


def test_expand_puts_the_new_key_first_and_keeps_every_key_the_file_held(tmp_path) -> None:
    a, b, c, new = keys(4)
    key_file = KeyFile(str(tmp_path / "next.key"))
    assert key_file.read() is None and key_file.read_archive() is None
    key_file.expand(a)
    key_file.expand(b, keep=(c,))
    ring = key_file.expand(new, keep=(c, a))
    assert ring.keys == (new, b, a, c) and KeyRing.from_file(key_file.path).keys == ring.keys
    assert stat.S_IMODE(os.stat(key_file.path).st_mode) == 0o600
    assert not (tmp_path / "next.key.retired").exists()


def test_contract_archives_every_other_key_first_and_only_once(tmp_path) -> None:
    a, b, new = keys(3)
    key_file = KeyFile(str(tmp_path / "next.key"))
    key_file.expand(a)
    key_file.expand(b)
    key_file.retire([a])
    retired = key_file.contract([new])
    assert retired == [b, a] or retired == [a, b]
    assert KeyRing.from_file(key_file.path).keys == (new,)
    archive = (tmp_path / "next.key.retired").read_text()
    assert stat.S_IMODE(os.stat(tmp_path / "next.key.retired").st_mode) == 0o600
    lines = archive.splitlines()
    assert len(lines) == 2 and lines[0].startswith(a.to_text()) and f"# kid {a.kid} retired " in lines[0]
    # the archive is itself a ring, comments and all
    assert set(KeyRing.from_file(key_file.archive).keys) == {a, b}


def test_a_symlinked_key_file_is_written_where_it_points(tmp_path) -> None:
    (tmp_path / "volume").mkdir()
    target = tmp_path / "volume" / "ring"
    (tmp_path / "next.key").symlink_to(target)
    key = Key.generate()
    KeyFile(str(tmp_path / "next.key")).expand(key)
    assert (tmp_path / "next.key").is_symlink() and KeyRing.from_file(str(target)).keys == (key,)


def test_a_key_file_that_is_not_a_ring_is_an_error_never_replaced(tmp_path) -> None:
    (tmp_path / "next.key").write_text("not a key\n")
    with pytest.raises(InvalidKeyError, match="the key file"):
        KeyFile(str(tmp_path / "next.key")).expand(Key.generate())
    assert (tmp_path / "next.key").read_text() == "not a key\n"


def test_a_symlink_as_archive_is_refused(tmp_path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("")
    (tmp_path / "next.key.retired").symlink_to(victim)
    key_file = KeyFile(str(tmp_path / "next.key"))
    key_file.expand(Key.generate())
    with pytest.raises(FernetDotenvError, match="key archive .*next.key.retired: it is a symlink"):
        key_file.read_archive()
    with pytest.raises(FernetDotenvError, match="it is a symlink"):
        key_file.contract([Key.generate()])
    assert victim.read_text() == "" and len(KeyRing.from_file(key_file.path).keys) == 1


def test_an_empty_archive_holds_no_key(tmp_path) -> None:
    (tmp_path / "next.key.retired").write_text("")
    assert KeyFile(str(tmp_path / "next.key")).read_archive() is None
