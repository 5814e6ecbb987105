# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""What every fernet.dotenv module shares: key options, content handling, masked diffs, safe writes, and the one
place where engine errors become fail_json."""

from __future__ import annotations

import os
from collections.abc import Callable

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import discard, read_bytes, replace_with, write_temp_beside
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import DecryptedEnv, decrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing, resolve_key_ring
from ansible_collections.fernet.dotenv.plugins.module_utils._masking import masked_listing

KEY_ARGS = dict(
    master_key=dict(type="str", no_log=True),
    master_key_file=dict(type="path", no_log=False),
)


def ring_from_params(params: dict) -> KeyRing:
    """The ring the action plugin resolved on the controller (passed as master_key), else the module's own."""
    return resolve_key_ring(
        master_key=params.get("master_key"), master_key_file=params.get("master_key_file"), environ=os.environ
    )


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


def open_encrypted(path: str, ring: KeyRing) -> DecryptedEnv:
    return decrypt(read_bytes(path, what="encrypted file"), ring, path=path)


def check_not_directory(path: str, what: str) -> None:
    if os.path.isdir(path):
        raise FernetDotenvError(f"Cannot write {path}: it is a directory; {what} must name a file")


def env_diff(path: str, *, before: dict | None, after: dict | None) -> dict:
    # on a new file every line is new anyway; mark changes only against an existing one
    changed = [name for name, value in (after or {}).items() if before is not None and before.get(name, ()) != value]
    return dict(
        before_header=path,
        after_header=path,
        before=masked_listing(before) if before is not None else "",
        after=masked_listing(after, changed=changed) if after is not None else "",
    )


def write_file(module, *, path: str, data: bytes, backup: bool, result: dict) -> None:
    """Write data to path safely, noting the backup in result. A new file is renamed into place with mode 0600
    (atomic_move would create it from the umask first); an existing one goes through atomic_move, which keeps its
    owner, mode and SELinux context until set_fs_attributes_if_different applies the task's."""
    backup_file = None
    exists = os.path.lexists(path)
    if backup and exists:
        backup_file = module.backup_local(path)
    temp = write_temp_beside(path, data, mode=0o600)
    try:
        if exists:
            module.atomic_move(temp, path, unsafe_writes=module.params.get("unsafe_writes", False))
        else:
            replace_with(temp, path)
    finally:
        discard(temp)
    if backup_file:
        result["backup_file"] = backup_file


def finish(module, result: dict, *, path: str) -> None:
    """Apply owner/group/mode/attributes to an existing path (predicting them in check mode) and exit."""
    if os.path.exists(path):
        file_args = module.load_file_common_arguments(module.params, path=path)
        result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


def run(module, body: Callable[[dict], None], result: dict) -> None:
    """Run a module body; every engine error becomes fail_json with its one-sentence message."""
    try:
        body(result)
    except FernetDotenvError as exc:
        # writes are the last step and atomic: a failure never leaves a change behind
        result.pop("diff", None)
        result["changed"] = False
        module.fail_json(msg=str(exc), **result)
