# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every keyed plugin x every key source x every ordered pair of sources: the same ring wins everywhere, in DESIGN's
order (Keys). Each case gives ring A to one source and ring B to another; the plugins open a file of ring A (so they
succeed exactly when A wins) and encrypt_env reports the primary key it writes with (A's or B's).

Modules and the lookup run in real ansible-playbook processes, one host per case; the controller's environment is
per process, so the cases are grouped by what they put in it. The vars plugin takes its options from ansible.cfg, so
each of its cases is an ansible-inventory run of its own."""
from __future__ import annotations

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from harness import PLAYBOOKS, VENV_BIN, controller_env

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing

# DESIGN order, first found wins
SOURCES = ("master_key", "master_key_file", "master_key_command", "fernet_dotenv_master_key",
           "fernet_dotenv_master_key_file", "SECRETS_MASTER_KEY", "SECRETS_MASTER_KEY_FILE")
VARS_PLUGIN_SOURCES = ("master_key", "master_key_file", "master_key_command", "SECRETS_MASTER_KEY",
                       "SECRETS_MASTER_KEY_FILE")
# decrypt_env with remote_src takes the path of env_value (the module opens the file with the rings handed over)
OPENERS = ("decrypt_env", "env_value", "rotate_key", "rotation_info", "lookup")


def cases(sources: tuple[str, ...]) -> list[tuple[tuple[str, str], ...]]:
    """Each case: ((source, ring name), ...) - every source alone, and every ordered pair."""
    single = [((source, "a"),) for source in sources]
    pairs = [((first, "a"), (second, "b")) for first in sources for second in sources if first != second]
    return single + pairs


def winner(case: tuple[tuple[str, str], ...], sources: tuple[str, ...]) -> str:
    return min(case, key=lambda given: sources.index(given[0]))[1]


@pytest.fixture(scope="module")
def rings(tmp_path_factory):
    work = tmp_path_factory.mktemp("key-sources")
    made = {name: KeyRing([Key.generate(), Key.generate()]) for name in ("a", "b")}
    for name, ring in made.items():
        (work / f"ring-{name}").write_text(ring.to_text())
        (work / f"ring-{name}").chmod(0o600)
    (work / "ring-a.env.encrypted").write_bytes(encrypt(EnvDocument.parse("NAME=content-of-the-case\n"), made["a"]))
    return work, made


def where(source: str, ring: str, work: Path) -> tuple[str, str]:
    """The value a source is given for a ring: the ring itself, its file, or a command printing it."""
    if source in ("master_key", "fernet_dotenv_master_key", "SECRETS_MASTER_KEY"):
        return source, (work / f"ring-{ring}").read_text().strip()
    if source == "master_key_command":
        return source, f"cat {work / f'ring-{ring}'}"
    return source, str(work / f"ring-{ring}")


def test_every_keyed_plugin_takes_the_ring_of_the_first_source(rings) -> None:
    work, made = rings
    groups: dict[tuple, list] = {}
    for case in cases(SOURCES):
        environment = tuple(sorted((source, ring) for source, ring in case if source.startswith("SECRETS")))
        groups.setdefault(environment, []).append(case)
    names = {case: f"case{number}" for number, case in enumerate(cases(SOURCES))}

    def run(environment: tuple, group: list) -> subprocess.CompletedProcess:
        inventory = work / f"inventory-{names[group[0]]}.yml"
        hosts = {}
        for case in group:
            host: dict = {"ansible_connection": "local", "ansible_python_interpreter": str(VENV_BIN / "python"),
                          "fernet_dotenv_test_options": {}}
            for source, ring in case:
                name, value = where(source, ring, work)
                if name.startswith("fernet_dotenv_"):
                    host[name] = value
                elif not name.startswith("SECRETS"):
                    host["fernet_dotenv_test_options"][name] = value
            hosts[names[case]] = host
        inventory.write_text(json.dumps({"cases": {"hosts": hosts}}))
        env = controller_env(ANSIBLE_PIPELINING="True", **dict(where(source, ring, work) for source, ring in environment))
        return subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOKS / "key_sources.yml"),
             "-e", f"work={work}", "-f", "8"],
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda item: run(*item), groups.items()))
    for done in runs:
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        for ring in made.values():
            for key in ring.keys:
                assert key.to_text() not in done.stdout + done.stderr
    results = {}
    for group in groups.values():
        results.update(json.loads((work / f"results-{names[group[0]]}.json").read_text()))
    wrong = []
    for case, name in names.items():
        result = results[name]
        expected = winner(case, SOURCES)
        if result["encrypt_env"] != made[expected].primary.fingerprint:
            wrong.append((case, "encrypt_env", result["messages"][0]))
        for plugin in OPENERS:
            if result[plugin] != (expected == "a"):
                wrong.append((case, plugin, result["messages"]))
    assert not wrong, f"{len(wrong)} of {len(names) * 6} checks chose another ring: {wrong[:5]}"
    assert len(names) == 7 + 7 * 6


def test_the_vars_plugin_takes_the_ring_of_the_first_source(rings) -> None:
    work, _made = rings
    inventory = work / "vars-inventory"
    (inventory / "group_vars" / "app").mkdir(parents=True, exist_ok=True)
    (inventory / "group_vars" / "app" / "a.env.encrypted").write_bytes((work / "ring-a.env.encrypted").read_bytes())
    (inventory / "hosts.ini").write_text(f"[app]\nh ansible_python_interpreter={VENV_BIN / 'python'}\n")

    def run(number: int, case: tuple) -> tuple[tuple, bool, str]:
        config = work / f"ansible-{number}.cfg"
        settings = "".join(f"{source} = {value}\n" for source, value in
                           (where(source, ring, work) for source, ring in case) if not source.startswith("SECRETS"))
        config.write_text("[defaults]\nvars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv\n"
                          f"[fernet_dotenv]\n{settings}")
        env = controller_env(ANSIBLE_CONFIG=str(config),
                             **dict(where(source, ring, work) for source, ring in case if source.startswith("SECRETS")))
        done = subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(inventory / "hosts.ini"), "--host", "h"],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        opened = done.returncode == 0 and json.loads(done.stdout).get("NAME") == "content-of-the-case"
        return case, opened, done.stderr[-500:]

    all_cases = cases(VARS_PLUGIN_SOURCES)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        outcomes = list(pool.map(lambda item: run(*item), enumerate(all_cases)))
    wrong = [(case, error) for case, opened, error in outcomes if opened != (winner(case, VARS_PLUGIN_SOURCES) == "a")]
    assert not wrong, f"{len(wrong)} of {len(all_cases)} cases chose another ring: {wrong[:3]}"
    assert len(all_cases) == 5 + 5 * 4
