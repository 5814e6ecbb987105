# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leak test: -vvvv and --diff over every module's success and failure paths; no key or value may appear, and no
diff holds even four characters of a value."""
from __future__ import annotations

import re
import secrets
import sys

import yaml
from harness import PLAYBOOKS, controller_env, run_playbook

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key

# tasks named "FAIL ..." in leak.yml: each must fail (and be ignored) once per host
FAILURE_TASKS = (PLAYBOOKS / "leak.yml").read_text().count("- name: FAIL ")
HOSTS = 2


def test_no_secret_in_any_output(ssh_host, tmp_path) -> None:
    key, other = Key.generate(), Key.generate()
    (tmp_path / "master.key").write_text(key.to_text() + "\n")
    (tmp_path / "other.key").write_text(other.to_text() + "\n")
    values = {f"secret_{n}": secrets.token_urlsafe(24) for n in range(1, 6)}
    extra = tmp_path / "vars.yml"
    extra.write_text(yaml.safe_dump({
        **values, "work_dir": str(tmp_path / "work"),
        "key_file": str(tmp_path / "master.key"), "other_key_file": str(tmp_path / "other.key"),
    }))
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[targets]\n"
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n"
        f"sshhost {ssh_host.inventory_vars(sys.executable)}\n"
    )
    log = tmp_path / "ansible.log"
    result = run_playbook(
        "leak.yml", inventory, "-vvvv", "--diff", "-e", f"@{extra}",
        env=controller_env(SECRETS_MASTER_KEY=key.to_text(), ANSIBLE_LOG_PATH=str(log)),
    )
    output = result.stdout + result.stderr
    recap = re.findall(r"^(\S+)\s+: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0\s+skipped=\d+\s+rescued=0\s+"
                       r"ignored=(\d+)", output, re.MULTILINE)
    assert result.returncode == 0, output[-3000:]
    # the failure paths really ran: each FAIL task failed, on both hosts
    assert sorted(recap) == [("localhost", str(FAILURE_TASKS)), ("sshhost", str(FAILURE_TASKS))]
    scanned = {
        "output": output,
        "log": log.read_text(),
        **{path.name: path.read_text() for path in (tmp_path / "work").glob("results-*.json")},
    }
    assert len(scanned) == 2 + HOSTS
    forbidden = {
        "key": key.to_text(), "key without padding": key.to_text().rstrip("="),
        "other key": other.to_text().rstrip("="), **values,
    }
    leaks = [(what, where) for where, text in scanned.items() for what, secret in forbidden.items() if secret in text]
    assert leaks == []
    # diffs show names and changes only: not even 4 characters of a value
    diffs = "".join(re.findall(r"^--- before.*?(?=^TASK \[|^PLAY RECAP)", output, re.MULTILINE | re.DOTALL))
    assert diffs.count("--- before") >= 4 * HOSTS and "# changed" in diffs
    pieces = [(name, value[start:start + 4]) for name, value in values.items() for start in range(len(value) - 3)]
    assert [name for name, piece in pieces if piece in diffs] == [], "a piece of a value is in a diff"
    # the tasks whose owner could not be set left nothing behind
    for host in ("localhost", "sshhost"):
        assert not (tmp_path / "work" / host / "owned.env").exists()
        assert not (tmp_path / "work" / host / "owned.key").exists()
    assert "Traceback" not in output
    assert output.count("Invalid encryption key or corrupted file") >= 2 * HOSTS
    assert output.count("Checksum mismatch") >= HOSTS
