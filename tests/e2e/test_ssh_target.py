# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real SSH target: the key exists only in the controller's environment."""
from __future__ import annotations

import hashlib
import secrets
import stat
import sys

from harness import bare_python, controller_env, run_playbook

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import decrypt, encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_key_from_controller_environment_only(ssh_host, tmp_path) -> None:
    key = Key.generate()
    ring = KeyRing([key])
    password, added = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    plaintext = f"# app\nDB_HOST=db.internal\nDB_PASSWORD='{password}'\r\nexport MODE=prod\n"
    controller_file = tmp_path / "prod.env.encrypted"
    controller_file.write_bytes(encrypt(EnvDocument.parse(plaintext), ring))
    remote_dir = tmp_path / "remote"
    (remote_dir / "bare").mkdir(parents=True)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        f"bare_target {ssh_host.inventory_vars(bare_python())}\n"
        f"crypto_target {ssh_host.inventory_vars(sys.executable)}\n"
    )
    result = run_playbook(
        "ssh_target.yml", inventory,
        "-e", f"controller_file={controller_file} remote_dir={remote_dir} expected_fingerprint={key.fingerprint}",
        "-e", f"added_value={added}",
        env=controller_env(SECRETS_MASTER_KEY=key.to_text()),
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    written = remote_dir / "bare" / ".env"
    # compared by digest so that a failure never prints the test's secrets
    assert digest(written.read_bytes()) == digest(plaintext.encode())
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    on_target = decrypt((remote_dir / "remote.env.encrypted").read_bytes(), ring)
    expected = {**EnvDocument.parse(plaintext).as_dict(), "ADDED_ON_TARGET": added}
    assert digest(repr(on_target.as_dict()).encode()) == digest(repr(expected).encode())
    assert digest((remote_dir / "remote.env").read_bytes()) == digest(on_target.text.encode())
    output = result.stdout + result.stderr
    assert key.to_text() not in output and password not in output and added not in output
