#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: decrypt_env
short_description: Write the plaintext .env of an encrypted file on a host
version_added: 0.1.0
description:
  - Decrypts an encrypted C(.env) file (any format, or a bare Fernet token) and writes the plaintext to O(dest)
    with mode V(0600) unless O(mode) says otherwise.
  - Like M(ansible.builtin.copy) with vault files, O(src) is read and decrypted on the controller, with the key ring
    from the controller, and only the plaintext travels to the target, which needs nothing but Python.
    With O(remote_src=true), O(src) is on the target and is decrypted there (the target needs C(cryptography)).
  - Idempotent - nothing is written when O(dest) already holds the same text.
  - O(dest) is 0600 (or O(mode)) from the instant it exists - owner, group and mode are set on a temp file beside it
    before it is renamed into place - and a task whose O(owner) or O(group) cannot be set fails without writing.
    A symlink as O(dest) is written through to the file it points at; a symlink to nothing, a FIFO or any other
    non-regular file is refused.
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.files
  - fernet.dotenv.attributes
  - fernet.dotenv.attributes.files
  - fernet.dotenv.attributes.action
  - fernet.dotenv.attributes.env_file
  - fernet.dotenv.keys
options:
  src:
    description:
      - The encrypted file. On the controller it is searched for like other files, in the C(files/) directories of
        roles and the playbook.
      - Exactly one of O(src) and O(content) is required.
    type: path
  content:
    description:
      - A plaintext C(.env) text or dictionary of variables to write instead of decrypting O(src).
      - The action plugin sets it to the plaintext it decrypted on the controller; set it yourself only to write
        a plaintext you already hold, with this module's diff, mode and backup handling.
    type: raw
  dest:
    description:
      - The plaintext C(.env) file to write on the target.
    type: path
    required: true
  remote_src:
    description:
      - O(src) is on the target rather than on the controller, and is decrypted there.
    type: bool
    default: false
  backup:
    description:
      - Keep a copy of O(dest) before replacing it, C(<dest>.<UTC timestamp>.bak). The copy holds plaintext, so it
        is created exclusively (never through a symlink), mode V(0600) from its creation.
    type: bool
    default: false
  mode:
    description:
      - File permissions of O(dest). Defaults to V(0600), as the file holds secrets.
    type: raw
    default: '0600'
notes:
  - Diff mode shows variable names and whether each was added, removed or changed, never a character of a value.
seealso:
  - module: fernet.dotenv.encrypt_env
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Write the application's .env from the encrypted file in the repository
  fernet.dotenv.decrypt_env:
    src: env/prod.env.encrypted
    dest: /srv/app/.env
    owner: app
    group: app
  notify: Restart app

- name: Decrypt a file that lives on the host itself
  fernet.dotenv.decrypt_env:
    src: /srv/app/.env.encrypted
    remote_src: true
    dest: /srv/app/.env
"""

RETURN = r"""
dest:
  description: The plaintext file written.
  returned: always
  type: str
  sample: /srv/app/.env
src:
  description: The encrypted file that was decrypted.
  returned: when O(src) was given
  type: str
  sample: /home/ops/deploy/files/env/prod.env.encrypted
key_fingerprint:
  description: Fingerprint of the key that O(src) was encrypted with.
  returned: when O(src) was given
  type: str
  sample: sha256:3f2a9c0d1e4b5a6791aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60
variables:
  description: The variable names written (never their values).
  returned: success
  type: list
  elements: str
  sample: [DB_HOST, DB_PASSWORD]
backup_file:
  description: The copy of the replaced O(dest), when O(backup=true).
  returned: changed and a backup was made
  type: str
  sample: /srv/app/.env.12345.2026-11-28@14:03:11~
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import EnvParseError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import (
    KEY_ARGS,
    check_target,
    document_from_content,
    env_diff,
    finish,
    open_encrypted,
    rings_from_params,
    run,
    write_file,
)


def _variables(data: bytes | None, dest: str) -> dict | None:
    """The variables of the file being replaced, for the diff (an unreadable one shows as empty)."""
    if data is None:
        return None
    try:
        return EnvDocument.from_bytes(data, path=dest).as_dict()
    except EnvParseError:
        return {}


def decrypt_env(module: AnsibleModule, result: dict) -> None:
    params = module.params
    dest = params["dest"]
    check_target(dest, "dest")
    if params["content"] is not None:
        document = document_from_content(params["content"])
    else:
        opened = open_encrypted(params["src"], rings_from_params(params))
        document = opened.document
        result.update(src=params["src"], key_fingerprint=opened.key_fingerprint)
    data = document.to_bytes()
    current = read_bytes(dest, what="destination file") if os.path.exists(dest) else None
    result["changed"] = current != data
    if result["changed"]:
        if module._diff:
            result["diff"] = env_diff(dest, before=_variables(current, dest), after=document.as_dict())
        if not module.check_mode:
            write_file(module, path=dest, data=data, backup=params["backup"], result=result)
    result["variables"] = document.names
    finish(module, result, path=dest)


MODULE_SPEC = dict(
    argument_spec=dict(
        src=dict(type="path"),
        content=dict(type="raw", no_log=True),
        dest=dict(type="path", required=True),
        remote_src=dict(type="bool", default=False),
        backup=dict(type="bool", default=False),
        mode=dict(type="raw", default="0600"),
        **KEY_ARGS,
    ),
    mutually_exclusive=[("src", "content")],
    required_one_of=[("src", "content")],
    add_file_common_args=True,
    supports_check_mode=True,
)


def main() -> None:
    module = AnsibleModule(**MODULE_SPEC)
    result = dict(changed=False, dest=module.params["dest"])
    run(module, lambda res: decrypt_env(module, res), result)


if __name__ == "__main__":
    main()
