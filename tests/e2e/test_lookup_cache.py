# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lookup decrypts a file once per worker process, however many lookups a template makes."""
from __future__ import annotations

import hashlib
import re
import secrets
import sys

from harness import controller_env, run_playbook

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

VARIABLES = 200


def test_one_decryption_per_process(tmp_path) -> None:
    key = Key.generate()
    values = {f"SECRET_{n:03d}": secrets.token_urlsafe(16) for n in range(VARIABLES)}
    encrypted = tmp_path / "many.env.encrypted"
    encrypted.write_bytes(encrypt(EnvDocument.from_dict(values), KeyRing([key])))
    template = tmp_path / "many.j2"
    template.write_text("".join(
        f"{name}={{{{ lookup('fernet.dotenv.fernetenv', '{name}', file='{encrypted}') }}}}\n" for name in values))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    result = run_playbook("lookup_many.yml", inventory, "-vvvv", "-e", f"work_dir={tmp_path} template={template}",
                          env=controller_env(SECRETS_MASTER_KEY=key.to_text()))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    expected = "".join(f"{name}={value}\n" for name, value in values.items()).encode()
    for name in ("first.txt", "second.txt"):
        assert hashlib.sha256((tmp_path / name).read_bytes()).digest() == hashlib.sha256(expected).digest()
    decryptions = re.findall(r"fernet\.dotenv: decrypted \S+many\.env\.encrypted \(200 variables\) in process (\d+)",
                             output)
    # 400 lookups in two tasks: one decryption per task's worker process
    assert len(decryptions) == 2 and len(set(decryptions)) == 2, decryptions
    assert not any(value in output for value in values.values())
