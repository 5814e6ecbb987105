# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A key or plaintext file is 0600 from the instant it exists (security review findings 1 and 3).

Watched from inside the module (modules.py): no chmod ever gives a secret file or its backup group or other bits,
no backup is opened without O_EXCL and O_NOFOLLOW, and when owner or group cannot be set the task fails without
having written the secret anywhere but a 0600 temp file it removes."""
from __future__ import annotations

import os
import stat

from modules import mode_of, run_module

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

RING = KeyRing([Key.generate()])
EXCLUSIVE = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW


def never_wider_than_0600(run, *paths: str) -> None:
    for path in paths:
        assert all(not mode & 0o077 for mode in run.chmods(path)), f"{path} was made readable by others"
        for event in run.creations(path):
            assert event[3] & EXCLUSIVE == EXCLUSIVE, f"{path} was created by a non-exclusive open"


def test_a_new_key_is_never_readable_by_others(tmp_path) -> None:
    key = tmp_path / "master.key"
    run = run_module("generate_key", {"path": str(key)}, tmp_path)
    assert run.result["changed"] and mode_of(key) == 0o600
    never_wider_than_0600(run, str(key))


def test_a_key_whose_owner_cannot_be_set_is_not_left_behind(tmp_path) -> None:
    key = tmp_path / "master.key"
    run = run_module("generate_key", {"path": str(key), "owner": "no_such_user_fernet_dotenv"}, tmp_path)
    assert run.result.get("failed") and "no_such_user_fernet_dotenv" in run.result["msg"]
    assert not key.exists(), "a key the task failed to give its owner was left on disk"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".master.key")]


def test_the_backup_of_a_replaced_key_is_never_readable_by_others(tmp_path) -> None:
    key = tmp_path / "master.key"
    key.write_text(Key.generate().to_text() + "\n")
    os.chmod(key, 0o600)
    run = run_module("generate_key", {"path": str(key), "force": True, "backup": True}, tmp_path)
    backup = run.result["backup_file"]
    assert mode_of(backup) == 0o600 and mode_of(key) == 0o600
    never_wider_than_0600(run, str(key), backup)


def encrypted(tmp_path, text: str = "DB_PASSWORD=hunter2-0123456789\nAPP=demo\n"):
    path = tmp_path / "app.env.encrypted"
    path.write_bytes(encrypt(EnvDocument.parse(text), RING))
    return path


def test_a_plaintext_env_and_its_backup_are_never_readable_by_others(tmp_path) -> None:
    dest = tmp_path / "app.env"
    dest.write_text("OLD=value\n")
    os.chmod(dest, 0o600)
    args = {"src": str(encrypted(tmp_path)), "dest": str(dest), "backup": True, "master_key": RING.to_text().strip()}
    run = run_module("decrypt_env", args, tmp_path)
    assert run.result["changed"], run.result
    backup = run.result["backup_file"]
    assert mode_of(backup) == 0o600 and mode_of(dest) == 0o600
    never_wider_than_0600(run, str(dest), backup)


def test_a_plaintext_env_whose_owner_cannot_be_set_is_not_left_behind(tmp_path) -> None:
    dest = tmp_path / "app.env"
    args = {"src": str(encrypted(tmp_path)), "dest": str(dest), "owner": "no_such_user_fernet_dotenv",
            "master_key": RING.to_text().strip()}
    run = run_module("decrypt_env", args, tmp_path)
    assert run.result.get("failed") and not dest.exists()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".app.env")]


def test_a_dangling_symlink_as_dest_is_refused(tmp_path) -> None:
    dest = tmp_path / "app.env"
    dest.symlink_to(tmp_path / "elsewhere" / "planted.env")
    args = {"src": str(encrypted(tmp_path)), "dest": str(dest), "master_key": RING.to_text().strip()}
    run = run_module("decrypt_env", args, tmp_path)
    assert run.result.get("failed") and "symlink" in run.result["msg"]
    assert dest.is_symlink() and not (tmp_path / "elsewhere").exists()


def test_a_symlink_to_an_existing_file_is_written_through_and_stays_0600(tmp_path) -> None:
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "app.env"
    target.write_text("OLD=1\n")
    os.chmod(target, 0o600)
    dest = tmp_path / "app.env"
    dest.symlink_to(target)
    args = {"src": str(encrypted(tmp_path)), "dest": str(dest), "master_key": RING.to_text().strip()}
    run = run_module("decrypt_env", args, tmp_path)
    assert run.result["changed"] and dest.is_symlink() and mode_of(target) == 0o600
    assert target.read_text().startswith("DB_PASSWORD=")
    never_wider_than_0600(run, str(target))


def test_a_fifo_as_dest_is_refused_without_hanging(tmp_path) -> None:
    dest = tmp_path / "app.env"
    os.mkfifo(dest)
    args = {"src": str(encrypted(tmp_path)), "dest": str(dest), "master_key": RING.to_text().strip()}
    run = run_module("decrypt_env", args, tmp_path, timeout=30)
    assert not run.timed_out, "decrypt_env hung reading a FIFO"
    assert run.result.get("failed") and "not a regular file" in run.result["msg"]
    assert stat.S_ISFIFO(os.lstat(dest).st_mode)
