# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""retire_keys, the contract step, run as Ansible runs modules (see modules.py): only keys no file or backup needs
leave the key file, always through the archive; candidates limit what may leave; the primary stays."""
from __future__ import annotations

import os

from modules import mode_of, run_module

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing


def ring_file(path, keys: list[Key]) -> str:
    path.write_text(KeyRing(keys).to_text() + "\n")
    path.chmod(0o600)
    return str(path)


def encrypted(path, key: Key) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encrypt(EnvDocument.from_dict({"APP_NAME": path.stem}), KeyRing([key])))


def kids(path: str) -> list[str]:
    return [key.kid for key in KeyRing.from_file(path).keys]


def test_keys_no_file_needs_go_to_the_archive_and_needed_ones_stay(tmp_path) -> None:
    new, still_used, unused = Key.generate(), Key.generate(), Key.generate()
    key_file = ring_file(tmp_path / "ring.key", [new, still_used, unused])
    encrypted(tmp_path / "env" / "web.env.encrypted", new)
    encrypted(tmp_path / "env" / "old" / "legacy.env.encrypted", still_used)

    checked = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "env")],
                                         "_ansible_check_mode": True}, tmp_path)
    assert checked.result["changed"] and checked.result["retired"] == [unused.kid]
    assert kids(key_file) == [new.kid, still_used.kid, unused.kid] and not os.path.exists(f"{key_file}.retired")

    done = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "env")]}, tmp_path).result
    assert done["changed"] and done["retired"] == [unused.kid] and done["kept"] == [new.kid, still_used.kid]
    assert sorted(done["keys_needed"]) == sorted([new.kid, still_used.kid]) and done["keys_missing"] == []
    assert kids(key_file) == [new.kid, still_used.kid] and mode_of(key_file) == 0o600
    assert kids(f"{key_file}.retired") == [unused.kid] and mode_of(f"{key_file}.retired") == 0o600
    assert done["diff"] == {"before": {"kids": [new.kid, still_used.kid, unused.kid]},
                            "after": {"kids": [new.kid, still_used.kid]}}
    again = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "env")]}, tmp_path).result
    assert not again["changed"] and again["retired"] == []
    assert unused.to_text() not in str(done) and unused.to_text().rstrip("=") not in str(done)


def test_only_the_candidates_may_leave_and_never_the_primary(tmp_path) -> None:
    """A key another job added after the candidates were chosen (its push may still win) is left alone."""
    primary, known_old, added_meanwhile = Key.generate(), Key.generate(), Key.generate()
    key_file = ring_file(tmp_path / "ring.key", [primary, added_meanwhile, known_old])
    encrypted(tmp_path / "env" / "web.env.encrypted", primary)
    result = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "env")],
                                        "kids": [primary.fingerprint, known_old.kid]}, tmp_path).result
    assert result["retired"] == [known_old.kid] and result["kept"] == [primary.kid, added_meanwhile.kid]
    assert kids(key_file) == [primary.kid, added_meanwhile.kid]


def test_bad_input_fails_clearly_and_changes_nothing(tmp_path) -> None:
    key = Key.generate()
    encrypted(tmp_path / "env" / "web.env.encrypted", key)
    missing = run_module("retire_keys", {"key_file": str(tmp_path / "none.key"), "paths": [str(tmp_path / "env")]},
                         tmp_path).result
    assert missing["failed"] and "does not exist" in missing["msg"]
    key_file = ring_file(tmp_path / "ring.key", [key, Key.generate()])
    # paths that match nothing (a typo) never read as "no file needs any key"
    (tmp_path / "empty").mkdir()
    typo = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "empty")]}, tmp_path).result
    assert typo["failed"] and "Cannot retire keys" in typo["msg"] and len(kids(key_file)) == 2
    # a key pasted where a kid belongs is refused without being echoed
    pasted = run_module("retire_keys", {"key_file": key_file, "paths": [str(tmp_path / "env")],
                                        "kids": [key.to_text()]}, tmp_path).result
    assert pasted["failed"] and "kid (16 hex digits)" in pasted["msg"]
    assert key.to_text().rstrip("=") not in str(pasted) and len(kids(key_file)) == 2
