# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Security review findings 4 and 13, run as Ansible runs the modules (see modules.py)."""
from __future__ import annotations

import json

from cryptography.fernet import Fernet
from modules import run_module

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

RING = KeyRing([Key.generate()])
OLD_VALUE = "hunter2XYZ-old-value"
NEW_VALUE = "NewPassw0rd-value99"


def pieces(value: str) -> set[str]:
    return {value[start:start + 4] for start in range(len(value) - 3)}


def test_diffs_show_names_and_changes_never_a_character_of_a_value(tmp_path) -> None:
    """Finding 4: 0.1.0 showed 8 characters of every value (MY_PASS=hunt...2XYZ, +MY_PASS=NewP...ue99 # changed)."""
    path = tmp_path / "app.env.encrypted"
    text = f"MY_PASS={OLD_VALUE}\nPLAIN_SETTING=visible-but-not-shown\nGONE=bye-bye-value\n"
    path.write_bytes(encrypt(EnvDocument.parse(text), RING))
    key = RING.to_text().strip()
    changed = run_module("env_value", {"path": str(path), "name": "MY_PASS", "value": NEW_VALUE, "master_key": key,
                                       "_ansible_diff": True}, tmp_path)
    removed = run_module("env_value", {"path": str(path), "name": "GONE", "state": "absent", "master_key": key,
                                       "_ansible_diff": True}, tmp_path)
    added = run_module("env_value", {"path": str(path), "name": "NEW_ONE", "value": "fresh-value-1234",
                                     "master_key": key, "_ansible_diff": True}, tmp_path)
    secrets = pieces(OLD_VALUE) | pieces(NEW_VALUE) | pieces("visible-but-not-shown") | pieces("bye-bye-value") | \
        pieces("fresh-value-1234")
    for run in (changed, removed, added):
        diff = run.result["diff"]
        shown = diff["before"] + diff["after"]
        assert not [piece for piece in secrets if piece in shown], "a piece of a value is in the diff"
    assert "MY_PASS" in changed.result["diff"]["after"] and "changed" in changed.result["diff"]["after"]
    assert "GONE" in removed.result["diff"]["before"] and "GONE" not in removed.result["diff"]["after"]
    assert "NEW_ONE" in added.result["diff"]["after"] and "NEW_ONE" not in added.result["diff"]["before"]


def test_env_value_keeps_a_bare_token_file_a_bare_token(tmp_path) -> None:
    """Finding 13: env_value rewrote a bare Fernet token file as whole, which other Fernet readers cannot read."""
    path = tmp_path / "legacy.env.encrypted"
    fernet = Fernet(RING.primary.to_text().encode())
    path.write_bytes(fernet.encrypt(b"A=1\n"))
    run = run_module("env_value", {"path": str(path), "name": "B", "value": "2", "master_key": RING.to_text().strip()},
                     tmp_path)
    assert run.result["changed"], run.result
    data = path.read_bytes()
    assert EncryptedEnv.parse(data).format == "bare"
    assert fernet.decrypt(data.strip()) == b"A=1\nB=2\n"
    assert decrypt(data, RING).as_dict() == {"A": "1", "B": "2"}


def test_a_key_pasted_without_padding_reaches_no_trail_message_or_result(tmp_path) -> None:
    """Finding 14: the trail's key filter missed unpadded keys (43 characters, which the key parser accepts)."""
    env = tmp_path / "env"
    env.mkdir()
    (env / "app.env.encrypted").write_bytes(encrypt(EnvDocument.parse("A=1\n"), RING))
    pasted = Key.generate().to_text().rstrip("=")
    for reason in (f"ticket 42 {pasted}", pasted):
        run = run_module("rotate_key", {"paths": [str(env)], "new_key_file": str(tmp_path / "next.key"),
                                        "reason": reason, "master_key": RING.to_text().strip()}, tmp_path)
        assert pasted not in json.dumps(run.result)
        trail = tmp_path / "env" / ".fernet-dotenv-audit.jsonl"
        assert not trail.exists() or pasted not in trail.read_text()
