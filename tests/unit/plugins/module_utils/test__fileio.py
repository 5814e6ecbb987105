# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import (
    append_durably,
    atomic_write,
    make_backup,
    Syncer,
    read_bytes,
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


def test_a_syncer_makes_temps_durable_in_the_background_and_reports_a_failure(tmp_path, monkeypatch) -> None:
    syncer = Syncer()
    temps = [write_temp_beside(str(tmp_path / f"x{n}"), b"data", mode=0o640, tag="t-", syncer=syncer) for n in range(5)]
    syncer.wait()
    assert all(open(temp, "rb").read() == b"data" and mode_of(temp) == 0o640 for temp in temps)

    def failing(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    temp = write_temp_beside(str(tmp_path / "y"), b"data", syncer=syncer)
    with pytest.raises(FernetDotenvError, match=rf"Cannot write {temp}: Input/output error"):
        syncer.wait()
    syncer.close()


def test_unwritable_directory_is_one_sentence(tmp_path) -> None:
    with pytest.raises(FernetDotenvError, match=r"^Cannot write .*missing/x: the directory .*missing does not exist"):
        atomic_write(str(tmp_path / "missing" / "x"), b"")


def test_read_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(FernetDotenvError, match="does not exist"):
        read_bytes(str(tmp_path / "nope"))
    with pytest.raises(FernetDotenvError, match="is a directory"):
        read_bytes(str(tmp_path))


def test_backup_names_are_unique_and_taken_exclusively(tmp_path) -> None:
    target = tmp_path / "a.env.encrypted"
    target.write_bytes(b"x")
    first = make_backup(str(target), now=0)
    second = make_backup(str(target), now=0)
    assert first == str(target) + ".19700101T000000Z.bak" and second == str(target) + ".19700101T000000Z-2.bak"
    assert open(first, "rb").read() == open(second, "rb").read() == b"x"
    (tmp_path / "b").mkdir()
    assert make_backup(str(target), backup_dir=str(tmp_path / "b"), now=0) == str(
        tmp_path / "b" / "a.env.encrypted.19700101T000000Z.bak")


def test_a_planted_symlink_at_the_backup_name_is_neither_followed_nor_replaced(tmp_path) -> None:
    target = tmp_path / "a.env.encrypted"
    target.write_bytes(b"secret bytes")
    victim = tmp_path / "victim.conf"
    victim.write_bytes(b"keep me")
    (tmp_path / "a.env.encrypted.19700101T000000Z.bak").symlink_to(victim)
    backup = make_backup(str(target), now=0)
    assert backup.endswith("-2.bak") and open(backup, "rb").read() == b"secret bytes"
    assert victim.read_bytes() == b"keep me"


def test_append_durably_creates_0600_and_refuses_a_symlink(tmp_path) -> None:
    archive = tmp_path / "k.retired"
    append_durably(str(archive), b"one\n")
    append_durably(str(archive), b"two\n")
    assert archive.read_bytes() == b"one\ntwo\n" and mode_of(archive) == 0o600
    (tmp_path / "link").symlink_to(archive)
    with pytest.raises(FernetDotenvError, match="Cannot write"):
        append_durably(str(tmp_path / "link"), b"three\n")
    assert archive.read_bytes() == b"one\ntwo\n"
