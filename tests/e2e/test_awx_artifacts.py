# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX users install: the custom credential type file and an execution environment build context."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined, meta

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY, Key, KeyRing

COLLECTION = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

# The rules AWX applies to a custom credential type (awx/main/models/credential: CredentialType inputs/injectors)
FIELD_TYPES = {"string", "boolean"}
FIELD_KEYS = {"id", "type", "label", "secret", "multiline", "help_text", "format", "choices", "ask_at_runtime"}
INJECTOR_KINDS = {"env", "extra_vars", "file"}


def test_credential_type_is_valid_for_awx_and_injects_what_the_plugins_read() -> None:
    definition = yaml.safe_load((COLLECTION / "awx" / "credential_type.yml").read_text())
    assert isinstance(definition["name"], str) and definition["kind"] in ("cloud", "net")
    fields = definition["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= FIELD_KEYS and field["type"] in FIELD_TYPES
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", field["id"]) and isinstance(field["label"], str)
    assert set(definition["inputs"]["required"]) <= set(ids)
    assert [f for f in fields if f["id"] == "secrets_master_key"][0]["secret"] is True
    injectors = definition["injectors"]
    assert set(injectors) <= INJECTOR_KINDS
    environment = Environment(undefined=StrictUndefined)
    for value in injectors["env"].values():
        assert meta.find_undeclared_variables(environment.parse(value)) <= set(ids)
    # the variable the injector sets is the one every plugin reads, and it carries a usable ring
    assert list(injectors["env"]) == [ENV_KEY]
    ring_text = f"{Key.generate().to_text()},{Key.generate().to_text()}"
    rendered = environment.from_string(injectors["env"][ENV_KEY]).render(secrets_master_key=ring_text)
    assert len(KeyRing.from_text(rendered).keys) == 2


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
