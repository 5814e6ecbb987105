# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import (
    atomic_write,
    backup_path,
    read_bytes,
    sha256_file,
    write_temp_beside,
)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_files_are_0600_and_existing_modes_kept(tmp_path) -> None:
    target = tmp_path / "app.env"
    atomic_write(str(target), b"A=1\n")
    assert target.read_bytes() == b"A=1\n" and mode_of(target) == 0o600
    os.chmod(target, 0o640)
    atomic_write(str(target), b"A=2\n")
    assert mode_of(target) == 0o640
    atomic_write(str(target), b"A=3\n", mode=0o400)
    assert mode_of(target) == 0o400
    assert sorted(os.listdir(tmp_path)) == ["app.env"]


def test_temp_files_live_beside_the_target(tmp_path) -> None:
    temp = write_temp_beside(str(tmp_path / "x"), b"data")
    assert os.path.dirname(temp) == str(tmp_path) and mode_of(temp) == 0o600


def test_unwritable_directory_is_one_sentence(tmp_path) -> None:
    with pytest.raises(FernetDotenvError, match=r"^Cannot write .*missing/x: the directory .*missing does not exist"):
        atomic_write(str(tmp_path / "missing" / "x"), b"")


def test_read_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(FernetDotenvError, match="does not exist"):
        read_bytes(str(tmp_path / "nope"))
    with pytest.raises(FernetDotenvError, match="is a directory"):
        read_bytes(str(tmp_path))


def test_backup_names_are_unique(tmp_path) -> None:
    target = tmp_path / "a.env.encrypted"
    target.write_bytes(b"x")
    first = backup_path(str(target), now=0)
    open(first, "wb").close()
    second = backup_path(str(target), now=0)
    assert first != second and first.startswith(str(target) + ".19700101T000000Z")
    assert backup_path(str(target), backup_dir="/b", now=0) == "/b/a.env.encrypted.19700101T000000Z.bak"
    assert sha256_file(str(target)) == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
