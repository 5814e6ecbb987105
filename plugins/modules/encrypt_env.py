#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: encrypt_env
short_description: Encrypt a .env file with Fernet
version_added: 0.1.0
description:
  - Encrypts a plaintext C(.env) file (O(src)) or given content (O(content)) into an encrypted file (O(dest)) with the
    primary key of the key ring.
  - The key ring is resolved on the controller (see O(master_key); with O(key_name), the ring of that environment)
    and handed to the module as a C(no_log) argument, so the key never has to exist on the target. A new O(dest) is
    written with the selected ring's primary key. The target needs the Python library C(cryptography).
  - Idempotent by content, not by bytes (Fernet output is never the same twice) - when O(dest) already decrypts to
    the same text in the same format, nothing is written. In the V(values) format, re-encrypting keeps the token of
    every unchanged variable, so a git diff shows exactly the variables that changed.
  - Fernet is AES-128-CBC with HMAC-SHA256 (encrypt-then-MAC) under a 256-bit key.
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
      - The plaintext C(.env) file to encrypt, on the host the task runs on.
      - Exactly one of O(src) and O(content) is required.
    type: path
  content:
    description:
      - The variables to encrypt, as a C(.env) text or as a dictionary of names to values (for AWX surveys and
        generated secrets). Values may be strings, numbers, booleans (written V(true)/V(false)) or null (a name
        without V(=)).
    type: raw
  dest:
    description:
      - The encrypted file to write. Defaults to O(src) with C(.encrypted) appended; required with O(content).
    type: path
  format:
    description:
      - V(values) keeps variable names in clear and encrypts each value on its own, for readable git diffs.
      - V(whole) encrypts the whole file as one token with a checksum in the header.
    type: str
    choices: [values, whole]
    default: values
  backup:
    description:
      - Keep a copy of O(dest), C(<dest>.<UTC timestamp>.bak), mode V(0600), before replacing it.
    type: bool
    default: false
  force:
    description:
      - Overwrite O(dest) even when it cannot be decrypted with the key ring (a different key, a damaged file, or not
        an encrypted file at all). Without it such a file is never overwritten, so a wrong key cannot destroy data.
    type: bool
    default: false
notes:
  - Diff mode shows variable names and whether each was added, removed or changed, never a character of a value.
seealso:
  - module: fernet.dotenv.decrypt_env
  - module: fernet.dotenv.env_value
"""

EXAMPLES = r"""
- name: Encrypt the production .env kept beside the playbook (key from SECRETS_MASTER_KEY on the controller)
  fernet.dotenv.encrypt_env:
    src: "{{ playbook_dir }}/env/prod.env"
    dest: "{{ playbook_dir }}/env/prod.env.encrypted"
  delegate_to: localhost
  run_once: true

- name: Encrypt generated secrets given as a dict
  fernet.dotenv.encrypt_env:
    content:
      DB_HOST: db.internal
      DB_PASSWORD: "{{ lookup('ansible.builtin.password', '/dev/null length=32') }}"
      DEBUG: false
    dest: /srv/app/.env.encrypted
    master_key_file: "{{ playbook_dir }}/.secrets/master.key"
"""

RETURN = r"""
dest:
  description: The encrypted file.
  returned: always
  type: str
  sample: /srv/app/.env.encrypted
key_fingerprint:
  description: Fingerprint of the key that O(dest) is encrypted with.
  returned: success
  type: str
  sample: sha256:3f2a9c0d1e4b5a6791aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60
variables:
  description: The variable names in the file, in order (never their values).
  returned: success
  type: list
  elements: str
  sample: [DB_HOST, DB_PASSWORD, DEBUG]
format:
  description: The format of O(dest).
  returned: success
  type: str
  sample: values
backup_file:
  description: The copy of the replaced O(dest), when O(backup=true).
  returned: changed and a backup was made
  type: str
  sample: /srv/app/.env.encrypted.12345.2026-11-28@14:03:11~
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._fileio import read_bytes
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
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


def encrypt_env(module: AnsibleModule, result: dict) -> None:
    params = module.params
    rings = rings_from_params(params)
    ring = rings.for_writing()
    if params["content"] is not None:
        document = document_from_content(params["content"])
    else:
        document = EnvDocument.from_bytes(read_bytes(params["src"], what=".env file"), path=params["src"])
    dest = params["dest"] or f"{params['src']}.encrypted"
    result["dest"] = dest
    check_target(dest, "dest")
    previous = None
    if os.path.exists(dest):
        try:
            previous = open_encrypted(dest, rings)
        except FernetDotenvError as exc:
            if not params["force"]:
                raise FernetDotenvError(
                    f"Refusing to overwrite {dest}: it cannot be decrypted with the key ring ({exc}); "
                    "set force=true to replace it"
                ) from None
    unchanged = previous is not None and previous.text == document.text and previous.format == params["format"]
    if unchanged:
        result.update(key_fingerprint=previous.key_fingerprint, changed=False)
    else:
        result.update(key_fingerprint=ring.primary.fingerprint, changed=True)
        if module._diff:
            result["diff"] = env_diff(dest, before=previous.as_dict() if previous else None, after=document.as_dict())
        if not module.check_mode:
            data = encrypt(document, ring, format=params["format"], previous=previous)
            write_file(module, path=dest, data=data, backup=params["backup"], result=result)
    result.update(variables=document.names, format=params["format"])
    finish(module, result, path=dest)


MODULE_SPEC = dict(
    argument_spec=dict(
        src=dict(type="path"),
        content=dict(type="raw", no_log=True),
        dest=dict(type="path"),
        format=dict(type="str", choices=["values", "whole"], default="values"),
        backup=dict(type="bool", default=False),
        force=dict(type="bool", default=False),
        **KEY_ARGS,
    ),
    mutually_exclusive=[("src", "content")],
    required_one_of=[("src", "content")],
    required_by=dict(content="dest"),
    add_file_common_args=True,
    supports_check_mode=True,
)


def main() -> None:
    module = AnsibleModule(**MODULE_SPEC)
    result = dict(changed=False)
    run(module, lambda res: encrypt_env(module, res), result)


if __name__ == "__main__":
    main()
