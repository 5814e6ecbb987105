# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The one option adapter: the key options and the fernet_dotenv_* variables of an action, a lookup or the vars
plugin, collected the same way into the engine's KeySources. The order itself lives in the engine (KeyRings)."""

from __future__ import annotations

import os
from collections.abc import Callable

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRings, KeySources

KEY_OPTIONS = ("master_key", "master_key_file", "master_key_command", "key_name")
KEY_VARIABLES = {
    "master_key": "fernet_dotenv_master_key",
    "master_key_file": "fernet_dotenv_master_key_file",
    "key_name": "fernet_dotenv_key_name",
}


def key_rings(
    options: dict,
    *,
    variables: dict | None = None,
    template: Callable[[object], object] | None = None,
    find_file: Callable[[str], str] | None = None,
) -> KeyRings:
    """The rings from options (task arguments, lookup keywords or vars plugin settings) and variables (task or
    lookup variables; values taken from variables are templated first). find_file turns a relative key file path
    into the controller path (the playbook's directory)."""
    variables = variables or {}

    def variable(option: str) -> str | None:
        value = variables.get(KEY_VARIABLES[option])
        if value is not None and template is not None:
            value = template(value)
        return _text(value)

    def key_file(value: object) -> str | None:
        path = _text(value)
        if path is None:
            return None
        path = os.path.expanduser(path)
        return path if os.path.isabs(path) or find_file is None else find_file(path)

    return KeyRings(KeySources(
        master_key=_text(options.get("master_key")),
        master_key_file=key_file(options.get("master_key_file")),
        master_key_command=_text(options.get("master_key_command")),
        var_master_key=variable("master_key"),
        var_master_key_file=key_file(variable("master_key_file")),
        key_name=_text(options.get("key_name")) or variable("key_name"),
        environ=os.environ,
    ))


def plugin_options(plugin) -> dict:
    """The key options a lookup or vars plugin was given (its variables are read by key_rings, not by Ansible's
    option resolution, so that a variable never outranks an option)."""
    return {option: plugin.get_option(option) for option in KEY_OPTIONS}


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
