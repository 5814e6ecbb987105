# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import uuid

import pytest

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import InvalidKeyError, KeyNotFoundError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, KeyRings, KeySources
from ansible_collections.fernet.dotenv.plugins.plugin_utils._key_options import key_rings


def test_a_key_command_runs_once_per_kid_and_never_shows_its_output(tmp_path) -> None:
    ring = KeyRing([Key.generate(), Key.generate()])
    calls = tmp_path / "calls"
    script = tmp_path / "ring-command"
    script.write_text(f"#!/bin/sh\necho \"$FERNET_DOTENV_KID\" >> {calls}\ncat {tmp_path / 'ring'}\n")
    script.chmod(0o700)
    (tmp_path / "ring").write_text(ring.to_text())
    command = f"{script} --unique {uuid.uuid4().hex}"
    for _run in range(3):
        rings = key_rings({"master_key_command": command})
        assert rings.for_writing().kids == ring.kids
        assert rings.for_opening(ring.kids[1]).kids == ring.kids
        assert rings.for_opening(ring.kids[0]).kids == ring.kids
    assert calls.read_text().splitlines() == ["", ring.kids[1], ring.kids[0]]


def test_a_failing_key_command_says_its_exit_code_only(tmp_path) -> None:
    secret = Key.generate().to_text()
    script = tmp_path / "failing"
    script.write_text(f"#!/bin/sh\necho {secret}\necho {secret} >&2\nexit 3\n")
    script.chmod(0o700)
    with pytest.raises(KeyNotFoundError) as caught:
        key_rings({"master_key_command": str(script)}).for_writing()
    assert "exited with code 3 (its output is not shown)" in str(caught.value)
    assert secret not in str(caught.value)
    with pytest.raises(KeyNotFoundError, match="does not exist"):
        key_rings({"master_key_command": str(tmp_path / "missing")}).for_writing()
    with pytest.raises(InvalidKeyError, match="Invalid Fernet key") as caught:
        key_rings({"master_key_command": f"echo not-{secret[:20]}"}).for_writing()
    assert secret[:20] not in str(caught.value)


def test_a_module_never_runs_a_key_command() -> None:
    with pytest.raises(KeyNotFoundError, match="master_key_command runs on the controller only"):
        KeyRings(KeySources(master_key_command="cat /dev/null", environ={})).for_writing()


def test_variables_rank_after_options_and_are_templated(tmp_path) -> None:
    option, variable = KeyRing([Key.generate()]), KeyRing([Key.generate()])
    variables = {"fernet_dotenv_master_key": "{{ ring }}", "fernet_dotenv_key_name": "prod"}
    rings = key_rings({"master_key": option.to_text()}, variables=variables,
                      template=lambda value: variable.to_text() if value == "{{ ring }}" else value)
    assert rings.for_writing().kids == option.kids
    assert rings.sources.key_name == "prod"
    rings = key_rings({}, variables=variables,
                      template=lambda value: variable.to_text() if value == "{{ ring }}" else value)
    assert rings.for_writing().kids == variable.kids
    key_file = tmp_path / "ring"
    key_file.write_text(option.to_text())
    found = key_rings({"master_key_file": "ring"}, find_file=lambda path: str(tmp_path / path))
    assert found.for_writing().kids == option.kids
    # a list of rings: the first one writes, each opens its own files
    listed = key_rings({"master_key": [option.to_text(), variable.to_text()]})
    assert listed.for_writing().kids == option.kids
    assert listed.for_opening(variable.primary.kid).kids == variable.kids


def test_a_key_pasted_as_the_command_is_never_printed() -> None:
    text = Key.generate().to_text()
    with pytest.raises(KeyNotFoundError) as caught:
        key_rings({"master_key_command": f"{text} --arg"}).for_writing()
    assert "does not exist" in str(caught.value)
    assert text.rstrip("=") not in str(caught.value)
