# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX users install: the custom credential type file and an execution environment build context."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined, meta

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY, ENV_KEY_FILE, Key, KeyRing

COLLECTION = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The rules AWX applies to a custom credential type (awx/main/models/credential: CredentialType inputs/injectors)
FIELD_TYPES = {"string", "boolean"}
FIELD_KEYS = {"id", "type", "label", "secret", "multiline", "help_text", "format", "choices", "ask_at_runtime"}
INJECTOR_KINDS = {"env", "extra_vars", "file"}


def check_definition(definition: dict) -> list[str]:
    """AWX's rules for a custom credential type; returns the ids of its input fields."""
    assert isinstance(definition["name"], str) and definition["kind"] in ("cloud", "net")
    fields = definition["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= FIELD_KEYS and field["type"] in FIELD_TYPES
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", field["id"]) and isinstance(field["label"], str)
    assert set(definition["inputs"]["required"]) <= set(ids)
    assert [f for f in fields if f["id"] == "secrets_master_key"][0]["secret"] is True
    assert set(definition["injectors"]) <= INJECTOR_KINDS
    return ids


def test_credential_type_is_valid_for_awx_and_injects_what_the_plugins_read() -> None:
    definition = yaml.safe_load((COLLECTION / "awx" / "credential_type.yml").read_text())
    ids = check_definition(definition)
    injectors = definition["injectors"]
    environment = Environment(undefined=StrictUndefined)
    for value in injectors["env"].values():
        assert meta.find_undeclared_variables(environment.parse(value)) <= set(ids)
    # the variable the injector sets is the one every plugin reads, and it carries a usable ring
    assert list(injectors["env"]) == [ENV_KEY]
    ring_text = f"{Key.generate().to_text()},{Key.generate().to_text()}"
    rendered = environment.from_string(injectors["env"][ENV_KEY]).render(secrets_master_key=ring_text)
    assert len(KeyRing.from_text(rendered).keys) == 2


def test_file_credential_type_injects_a_path_and_the_file_holds_the_ring(tmp_path) -> None:
    """What AWX does with a file injector: render the template into a private file, and render the env
    injector with tower.filename = that file's path. The environment then holds a path, never a key."""
    definition = yaml.safe_load((COLLECTION / "awx" / "credential_type_file.yml").read_text())
    ids = check_definition(definition)
    injectors = definition["injectors"]
    assert list(injectors["env"]) == [ENV_KEY_FILE] and ENV_KEY not in injectors["env"]
    environment = Environment(undefined=StrictUndefined)
    assert meta.find_undeclared_variables(environment.parse(injectors["file"]["template"])) <= set(ids)
    ring_text = f"{Key.generate().to_text()}\n{Key.generate().to_text()}"
    credential_file = tmp_path / "credential"
    credential_file.write_text(environment.from_string(injectors["file"]["template"]).render(secrets_master_key=ring_text))
    rendered = environment.from_string(injectors["env"][ENV_KEY_FILE]).render(tower={"filename": str(credential_file)})
    assert rendered == str(credential_file) and len(KeyRing.from_file(rendered).keys) == 2


def test_execution_environment_context_installs_cryptography_and_the_collection(tmp_path) -> None:
    # the tarball make install built (the installed copy has no galaxy.yml to build from)
    built = sorted(Path(os.environ["FERNET_DOTENV_BUILD_DIR"]).glob("fernet-dotenv-*.tar.gz"))
    assert built, "run through make e2e, which builds the collection tarball first"
    tarball = Path(shutil.copy(built[-1], tmp_path))
    (tmp_path / "requirements.yml").write_text(yaml.safe_dump(
        {"collections": [{"name": f"/build/extra/{tarball.name}", "type": "file"}]}))
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump({
        "version": 3,
        "images": {"base_image": {"name": "quay.io/ansible/ansible-runner:latest"}},
        "dependencies": {"galaxy": "requirements.yml", "ansible_core": {"package_pip": "ansible-core>=2.18"},
                         "ansible_runner": {"package_pip": "ansible-runner"}},
        "additional_build_files": [{"src": tarball.name, "dest": "extra"}],
        "additional_build_steps": {"prepend_galaxy": [f"COPY _build/extra/{tarball.name} /build/extra/"]},
    }))
    context = tmp_path / "context"
    result = subprocess.run([str(BIN / "ansible-builder"), "create", "--file", "execution-environment.yml",
                             "--context", str(context), "--output-filename", "Containerfile"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "requirements.yml" in containerfile
    assert (context / "_build" / "extra" / tarball.name).is_file()
    assert tarball.name in (context / "_build" / "requirements.yml").read_text()
    # at build time the introspection step reads meta/execution-environment.yml of every installed collection:
    # run the same step on the installed collection to see cryptography come out of it
    collections = Path(os.environ["ANSIBLE_COLLECTIONS_PATH"]).resolve()
    introspect = subprocess.run([str(BIN / "ansible-builder"), "introspect", str(collections)],
                                capture_output=True, text=True, check=True)
    assert re.search(r"cryptography>=\d+\s+# from collection fernet\.dotenv", introspect.stdout)


# what a task may hold besides its module's options
TASK_KEYWORDS = {"name", "register", "vars", "when", "no_log", "loop", "loop_control", "failed_when", "changed_when",
                 "delegate_to", "run_once", "environment", "tags", "become", "check_mode", "ignore_errors"}


def example_tasks() -> list[tuple[str, str, dict]]:
    """(file, module, arguments) of every task in the key store examples and in playbooks/awx_setup.yml."""
    found = []
    sources = sorted((COLLECTION / "examples" / "key_store").glob("*.yml")) + [COLLECTION / "playbooks" / "awx_setup.yml"]
    for source in sources:
        document = yaml.safe_load(source.read_text())
        tasks = [task for play in document for task in play.get("tasks", [])] if "hosts" in document[0] else document
        for task in tasks:
            modules = [key for key in task if key not in TASK_KEYWORDS]
            assert len(modules) == 1, f"{source.name}: {task.get('name')}: {modules}"
            found.append((source.name, modules[0], task[modules[0]]))
    return found


def test_key_store_examples_and_awx_setup_match_the_real_modules() -> None:
    """The examples call awx.awx, community.hashi_vault, amazon.aws, community.aws and kubernetes.core: taken from the
    ansible package on PyPI (scripts/lint-collections), their documented options must hold every argument the
    examples pass and every required one. ansible-lint's args rule checks the same where it can load a module
    (not kubernetes.core.k8s, whose module class it cannot stand in for)."""
    tasks = example_tasks()
    modules = sorted({task[1] for task in tasks if not task[1].startswith("ansible.builtin.")})
    assert {"awx.awx.credential", "community.hashi_vault.vault_kv2_write", "community.aws.secretsmanager_secret",
            "kubernetes.core.k8s"} <= set(modules)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=f"{os.environ['FERNET_DOTENV_LINT_COLLECTIONS']}:"
               f"{os.environ['ANSIBLE_COLLECTIONS_PATH']}")
    docs = json.loads(subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", "module", *modules], env=env,
                                     capture_output=True, text=True, check=True).stdout)
    checked = 0
    for source, module, arguments in tasks:
        if module.startswith("ansible.builtin."):
            continue
        options = docs[module]["doc"]["options"]
        known = set(options) | {alias for option in options.values() for alias in option.get("aliases", [])}
        assert set(arguments) <= known, f"{source}: {module}: {sorted(set(arguments) - known)}"
        required = {name for name, option in options.items() if option.get("required")}
        assert required <= set(arguments), f"{source}: {module} misses {sorted(required - set(arguments))}"
        checked += 1
    assert checked >= 10
