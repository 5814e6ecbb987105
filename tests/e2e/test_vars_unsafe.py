# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Security review finding 2: decrypted values are data, never templates, on every supported ansible-core.

On ansible-core 2.18, 0.1.0's vars plugin handed values to Jinja: a value {{ lookup("ansible.builtin.pipe", ...) }}
in group_vars/all/*.env.encrypted ran the command on the controller when the variable was used, and a value like
ab{{cd failed the play and printed itself in the error. The playbook below uses such values through the vars
plugin and the lookup, under each core version `make test` installs (FERNET_DOTENV_CORE_VENVS)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from harness import controller_env

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

VENVS = [Path(venv) for venv in os.environ.get("FERNET_DOTENV_CORE_VENVS", "").split()]

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Use the values from the vars plugin and from the lookup
      ansible.builtin.set_fact:
        lengths:
          - "{{ EVIL | length }}"
          - "{{ WEIRD | length }}"
          - "{{ lookup('fernet.dotenv.fernetenv', 'EVIL', file=playbook_dir ~ '/group_vars/all/app.env.encrypted') | length }}"
          - "{{ lookup('fernet.dotenv.fernetenv', file=playbook_dir ~ '/group_vars/all/app.env.encrypted').WEIRD | length }}"

    - name: Each value came through as its own text
      ansible.builtin.assert:
        that:
          - lengths | map('int') | list == [EVIL_LENGTH, WEIRD_LENGTH, EVIL_LENGTH, WEIRD_LENGTH]
"""


@pytest.mark.parametrize("venv", VENVS or [None], ids=[venv.name for venv in VENVS] or ["no venvs"])
def test_values_are_never_rendered_as_templates(tmp_path, venv) -> None:
    if venv is None:
        pytest.skip("FERNET_DOTENV_CORE_VENVS names no virtual environment (make e2e sets it)")
    marker = tmp_path / "PWNED"
    evil = '{{ lookup("ansible.builtin.pipe", "touch ' + str(marker) + '") }}'
    weird = "ab{{cd"
    ring = KeyRing([Key.generate()])
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    (tmp_path / "group_vars" / "all" / "app.env.encrypted").write_bytes(
        encrypt(EnvDocument.from_dict({"EVIL": evil, "WEIRD": weird}), ring))
    playbook = PLAYBOOK.replace("EVIL_LENGTH", str(len(evil))).replace("WEIRD_LENGTH", str(len(weird)))
    (tmp_path / "play.yml").write_text(playbook)
    (tmp_path / "ansible.cfg").write_text("[defaults]\nvars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv\n")
    (tmp_path / "inventory.ini").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={venv / 'bin' / 'python'}\n")
    env = controller_env(SECRETS_MASTER_KEY=ring.to_text().strip(), ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    done = subprocess.run([str(venv / "bin" / "ansible-playbook"), "-i", str(tmp_path / "inventory.ini"),
                           str(tmp_path / "play.yml")], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    output = done.stdout + done.stderr
    assert not marker.exists(), "a decrypted value ran as a template on the controller"
    assert done.returncode == 0, output[-3000:]
    assert weird not in output and "touch" not in output
