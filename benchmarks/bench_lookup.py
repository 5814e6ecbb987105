# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Template benchmark: one ansible.builtin.template task rendering 200 secrets, three ways, in one run:
(a) fernetenv lookups from one encrypted file, (b) 200 inline Ansible Vault values, (c) 200 plain variables.

Each way runs --tasks separate template tasks (each task is a fresh worker process, so (a) decrypts its file in
every task, as it would in a real play); the figure is the median task duration, measured by a callback.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile

from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path: str, text: str) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secrets", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=15)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="fernet-dotenv-bench-lookup-")
    try:
        values = {f"SECRET_{n:03d}": secrets.token_urlsafe(24) for n in range(args.secrets)}
        key = Key.generate()
        encrypted = os.path.join(work, "bench.env.encrypted")
        with open(encrypted, "wb") as handle:
            handle.write(encrypt(EnvDocument.from_dict(values), KeyRing([key])))
        vault_password = secrets.token_urlsafe(16)
        vault = VaultLib([("default", VaultSecret(vault_password.encode()))])
        write(os.path.join(work, "vault-pass"), vault_password)
        vaulted = "".join(
            f"{name}: !vault |\n" + "".join(f"  {line}\n" for line in vault.encrypt(value).decode().splitlines())
            for name, value in values.items()
        )
        variants = {
            "a_fernetenv": ("", "".join(
                f"{n}={{{{ lookup('fernet.dotenv.fernetenv', '{n}', file='{encrypted}') }}}}\n" for n in values)),
            "b_vault": (vaulted, "".join(f"{n}={{{{ {n} }}}}\n" for n in values)),
            "c_plain": ("".join(f"{n}: {v}\n" for n, v in values.items()), "".join(f"{n}={{{{ {n} }}}}\n" for n in values)),
        }
        medians = {}
        for name, (vars_text, template_text) in variants.items():
            vars_file = write(os.path.join(work, f"{name}.vars.yml"), vars_text or "{}\n")
            template = write(os.path.join(work, f"{name}.j2"), template_text)
            tasks = "".join(
                f"    - name: render {n}\n      ansible.builtin.template:\n        src: {template}\n"
                f"        dest: {work}/{name}.out\n        mode: '0600'\n" for n in range(args.tasks))
            playbook = write(os.path.join(work, f"{name}.yml"),
                             f"- hosts: localhost\n  gather_facts: false\n  vars_files: [{vars_file}]\n  tasks:\n{tasks}")
            times = os.path.join(work, f"{name}.times")
            env = {k: v for k, v in os.environ.items() if not k.startswith("SECRETS_MASTER_KEY")}
            env.update(SECRETS_MASTER_KEY=key.to_text(), FERNET_DOTENV_TASK_TIMES=times,
                       ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, "callback_plugins"),
                       ANSIBLE_CALLBACKS_ENABLED="task_timer", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
            subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                            "-c", "local", "--vault-password-file", os.path.join(work, "vault-pass"), playbook],
                           check=True, env=env, stdout=subprocess.DEVNULL)
            with open(times, encoding="utf-8") as handle:
                durations = [json.loads(line)["seconds"] for line in handle]
            # the first task pays for loading the collection; the figure is the steady state
            medians[name] = statistics.median(durations[1:])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    a, b, c = medians["a_fernetenv"], medians["b_vault"], medians["c_plain"]
    print(f"template task rendering {args.secrets} secrets, median of {args.tasks - 1} tasks each")
    print(f"  (a) fernetenv lookups, one encrypted file {a * 1000:8.1f} ms")
    print(f"  (b) inline Ansible Vault values           {b * 1000:8.1f} ms")
    print(f"  (c) plain variables                       {c * 1000:8.1f} ms")
    print(f"  a/c = {a / c:.2f}   (target: at most 1.2)")
    print(f"  b/a = {b / a:.2f}")
    print(json.dumps({"secrets": args.secrets, "median_s": medians, "a_over_c": a / c, "b_over_a": b / a}))


if __name__ == "__main__":
    main()
