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
import shlex
import subprocess
from collections.abc import Callable

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import InvalidKeyError, KeyNotFoundError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY, KEY_TEXT, KeyRing, KeyRings, KeySources

KEY_OPTIONS = ("master_key", "master_key_file", "master_key_command", "key_name")
KEY_VARIABLES = {
    "master_key": "fernet_dotenv_master_key",
    "master_key_file": "fernet_dotenv_master_key_file",
    "key_name": "fernet_dotenv_key_name",
}
KID_VARIABLE = "FERNET_DOTENV_KID"
COMMAND_TIMEOUT = 120


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
        master_key=_ring_texts(options.get("master_key")),
        master_key_file=key_file(options.get("master_key_file")),
        master_key_command=_text(options.get("master_key_command")),
        var_master_key=variable("master_key"),
        var_master_key_file=key_file(variable("master_key_file")),
        key_name=_text(options.get("key_name")) or variable("key_name"),
        environ=os.environ,
        run_command=run_key_command,
    ))


def plugin_options(plugin) -> dict:
    """The key options a lookup or vars plugin was given (its variables are read by key_rings, not by Ansible's
    option resolution, so that a variable never outranks an option)."""
    return {option: plugin.get_option(option) for option in KEY_OPTIONS}


def _ring_texts(value: object) -> str | list[str] | None:
    """master_key as given: one ring, or a list of rings (the first one selected, the others candidates)."""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value] or None
    return _text(value)


def _text(value: object) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


# Rings printed by key commands, per process: (command, kid) -> ring. A command runs once per process per kid.
_COMMAND_RINGS: dict[tuple[str, str], KeyRing] = {}


def run_key_command(command: str, kid: str | None) -> KeyRing:
    """The ring a key command prints on its standard output. The command is split like a shell word list (no
    shell); FERNET_DOTENV_KID holds the kid of the file being opened (empty when writing a new file). Its output
    and its error output are never shown: a failure names the exit code only."""
    cache_key = (command, kid or "")
    ring = _COMMAND_RINGS.get(cache_key)
    if ring is not None:
        return ring
    source = "the output of master_key_command"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command cannot be split into words ({exc})") from None
    if not argv:
        raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command is empty")
    program = KEY_TEXT.sub("****", argv[0])  # the only word of the command a message names; never a pasted key
    env = dict(os.environ)
    env[KID_VARIABLE] = kid or ""
    try:
        done = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command {program} does not exist") from None
    except PermissionError:
        raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command {program} is not executable") from None
    except subprocess.TimeoutExpired:
        raise KeyNotFoundError(
            f"{ENV_KEY} not found: master_key_command {program} did not finish in {COMMAND_TIMEOUT} seconds"
        ) from None
    except OSError as exc:
        raise KeyNotFoundError(f"{ENV_KEY} not found: master_key_command {program} cannot run: {exc.strerror}") from None
    if done.returncode != 0:
        raise KeyNotFoundError(
            f"{ENV_KEY} not found: master_key_command {program} exited with code {done.returncode} "
            "(its output is not shown)"
        )
    try:
        text = done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidKeyError(f"Invalid Fernet key: {source} is not text") from None
    ring = KeyRing.from_text(text, source=source)
    _COMMAND_RINGS[cache_key] = ring
    return ring
