# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""What every fernet.dotenv module shares: key options, content handling, masked diffs, safe writes, and the one
place where engine errors become fail_json."""

from __future__ import annotations

import grp
import os
import pwd
import re
from collections.abc import Callable

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import SECRET_MODE, read_bytes, secret_target, write_secret
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import DecryptedEnv, decrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KEY_TEXT, KeyRing, KeyRings, KeySources

KEY_ARGS = dict(
    master_key=dict(type="raw", no_log=True),
    master_key_file=dict(type="path", no_log=False),
    master_key_command=dict(type="str", no_log=False),
    key_name=dict(type="str"),
)


def rings_from_params(params: dict) -> KeyRings:
    """The task's rings. The action plugin resolved them on the controller and passes them as master_key, a list
    of ring texts with the selected ring first; the other key options reach a module only if no action ran."""
    return KeyRings(KeySources(
        master_key=params.get("master_key"), master_key_file=params.get("master_key_file"),
        master_key_command=params.get("master_key_command"), key_name=params.get("key_name"), environ=os.environ,
    ))


def value_text(value: object) -> str | None:
    """A value given to a module as the text stored in the .env (booleans as true/false)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    raise FernetDotenvError(f"Cannot store a {type(value).__name__} as a .env value: give a string")


def document_from_content(content: object, *, what: str = "content") -> EnvDocument:
    """content as a .env text, or as a dict of names to values (strings, numbers, booleans or null)."""
    if isinstance(content, dict):
        return EnvDocument.from_dict({str(name): value_text(value) for name, value in content.items()})
    if isinstance(content, str):
        return EnvDocument.parse(content, path=what)
    raise FernetDotenvError(f"The {what} option takes a .env text or a dict of variables, not a {type(content).__name__}")


def open_encrypted(path: str, keys: KeyRing | KeyRings) -> DecryptedEnv:
    return decrypt(read_bytes(path, what="encrypted file"), keys, path=path)


def check_target(path: str, what: str) -> None:
    """Refuse, before anything is read or written (check mode too), a path the task could not write safely."""
    if os.path.isdir(path):
        raise FernetDotenvError(f"Cannot write {path}: it is a directory; {what} must name a file")
    secret_target(path)


def env_diff(path: str, *, before: dict | None, after: dict | None) -> dict:
    """A diff of variable names only: a line per variable before and after, a changed one marked as such, so that
    added, removed and changed variables show - and never a character of any value."""
    def listing(values: dict | None, *, mark: bool) -> str:
        lines = []
        for name, value in (values or {}).items():
            changed = mark and before is not None and name in before and before[name] != value
            lines.append(f"{name}  # changed" if changed else name)
        return "".join(f"{line}\n" for line in lines)

    return dict(before_header=path, after_header=path, before=listing(before, mark=False),
                after=listing(after, mark=True))


def write_file(module, *, path: str, data: bytes, backup: bool, result: dict) -> None:
    """Write a module's file through the engine's one write path (write_secret): the task's mode, owner and group
    are set on the temp file before it is renamed into place, so the file never has a looser mode than asked for
    and a task whose owner cannot be set fails without writing. A symbolic mode (u=rw) is applied afterwards, by
    finish(), starting from 0600."""
    backup_file = write_secret(path, data, mode=_octal_mode(module.params.get("mode")), owner=_owner(module, path),
                               backup=backup)
    if backup_file:
        result["backup_file"] = backup_file


def _octal_mode(mode: object) -> int | None:
    if isinstance(mode, int):
        return mode
    if isinstance(mode, str) and re.fullmatch(r"0?[0-7]{3,4}", mode):
        return int(mode, 8)
    return None if mode is None else SECRET_MODE


def _owner(module, path: str) -> tuple[int, int] | None:
    """(uid, gid) from the owner and group options (names or numbers; -1 leaves one as it is), or None."""
    owner, group = module.params.get("owner"), module.params.get("group")
    if owner is None and group is None:
        return None
    return _lookup(owner, pwd.getpwnam, "user", path), _lookup(group, grp.getgrnam, "group", path)


def _lookup(name: object, find, kind: str, path: str) -> int:
    if name is None:
        return -1
    text = str(name)
    if text.isdigit():
        return int(text)
    try:
        entry = find(text)
    except KeyError:
        raise FernetDotenvError(f"Cannot write {path}: there is no {kind} named {text}") from None
    return entry[2]


def finish(module, result: dict, *, path: str) -> None:
    """Apply owner/group/mode/attributes to an existing path - the file a symlink there points at - (predicting
    them in check mode) and exit."""
    if os.path.exists(path):
        file_args = module.load_file_common_arguments(module.params, path=os.path.realpath(path))
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


def run(module, body: Callable[[dict], None], result: dict) -> None:
    """Run a module body; every engine error becomes fail_json with its one-sentence message. Anything in the
    task's arguments that the key parser would take for a key (a key pasted into reason, say) is masked in every
    result, message and the invocation, as no_log masks the values of no_log options."""
    module.no_log_values.update(_key_texts(module.params))
    try:
        body(result)
    except FernetDotenvError as exc:
        # writes are the last step and atomic: a failure never leaves a change behind
        result.pop("diff", None)
        result["changed"] = False
        module.fail_json(msg=str(exc), **result)


def _key_texts(value: object) -> set[str]:
    if isinstance(value, str):
        return {match.group(0).rstrip("=") for match in KEY_TEXT.finditer(value)}
    if isinstance(value, dict):
        return set().union(*(_key_texts(item) for item in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_key_texts(item) for item in value)) if value else set()
    return set()
