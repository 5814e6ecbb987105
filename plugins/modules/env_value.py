#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: env_value
short_description: Set or remove one variable inside an encrypted .env file
version_added: 0.1.0
description:
  - Decrypts the file in memory, sets or removes one variable, and writes the file encrypted again. Plaintext never
    touches the disk.
  - Comments, order, quoting and the other variables stay as they are; in the V(values) format the other variables
    keep their tokens, so a git diff shows only the variable that changed.
  - The key rings are resolved on the controller and handed to the module as a C(no_log) argument. An existing file
    stays under the ring that holds its key id; a new one is written with the selected ring (see O(master_key)). The target needs
    the Python library C(cryptography).
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
  path:
    description:
      - The encrypted file. With O(state=present) it is created when missing.
    type: path
    required: true
  name:
    description:
      - The variable name.
    type: str
    required: true
  value:
    description:
      - The value to set; required with O(state=present). Numbers and booleans are written as text
        (V(true)/V(false)). An existing binding keeps its place and inline comment.
    type: raw
  state:
    description:
      - V(present) sets the variable (appending it when absent), V(absent) removes every binding of it.
    type: str
    choices: [present, absent]
    default: present
  format:
    description:
      - The format of a file created by this task; an existing file keeps its format.
    type: str
    choices: [values, whole]
    default: values
  backup:
    description:
      - Keep a copy of the file, C(<path>.<UTC timestamp>.bak), mode V(0600), before replacing it.
    type: bool
    default: false
notes:
  - Diff mode shows variable names and whether each was added, removed or changed, never a character of a value.
seealso:
  - module: fernet.dotenv.encrypt_env
"""

EXAMPLES = r"""
- name: Store a new API token in the encrypted production file
  fernet.dotenv.env_value:
    path: "{{ playbook_dir }}/env/prod.env.encrypted"
    name: PAYMENT_API_TOKEN
    value: "{{ new_payment_token }}"
  delegate_to: localhost
  run_once: true

- name: Drop a variable that is no longer used
  fernet.dotenv.env_value:
    path: /srv/app/.env.encrypted
    name: LEGACY_FLAG
    state: absent
"""

RETURN = r"""
path:
  description: The encrypted file.
  returned: always
  type: str
  sample: /srv/app/.env.encrypted
key_fingerprint:
  description: Fingerprint of the key the file is encrypted with.
  returned: success
  type: str
  sample: sha256:3f2a9c0d1e4b5a6791aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60
variables:
  description: The variable names in the file after the change (never their values).
  returned: success
  type: list
  elements: str
  sample: [DB_HOST, PAYMENT_API_TOKEN]
backup_file:
  description: The copy of the replaced file, when O(backup=true).
  returned: changed and a backup was made
  type: str
  sample: /srv/app/.env.encrypted.12345.2026-11-28@14:03:11~
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import encrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import (
    KEY_ARGS,
    check_target,
    env_diff,
    finish,
    open_encrypted,
    rings_from_params,
    run,
    value_text,
    write_file,
)


def env_value(module: AnsibleModule, result: dict) -> None:
    params = module.params
    path = params["path"]
    rings = rings_from_params(params)
    check_target(path, "path")
    previous = open_encrypted(path, rings) if os.path.exists(path) else None
    # an edited file stays under the ring that holds it; a new one is written with the selected ring
    ring = rings.for_opening(previous.kid) if previous else rings.for_writing()
    document = EnvDocument(list(previous.document.entries)) if previous else EnvDocument([])
    before = previous.as_dict() if previous else None
    if params["state"] == "present":
        changed = document.set(params["name"], value_text(params["value"]))
    else:
        changed = document.remove(params["name"])
    # a file keeps its format: a bare Fernet token stays one, so other Fernet tools keep reading it
    fmt = params["format"] if previous is None else previous.format
    result["changed"] = changed
    if changed:
        result["key_fingerprint"] = ring.primary.fingerprint
        if module._diff:
            result["diff"] = env_diff(path, before=before, after=document.as_dict())
        if not module.check_mode:
            data = encrypt(document, ring, format=fmt, previous=previous)
            write_file(module, path=path, data=data, backup=params["backup"], result=result)
    elif previous is not None:
        result["key_fingerprint"] = previous.key_fingerprint
    result["variables"] = document.names
    finish(module, result, path=path)


MODULE_SPEC = dict(
    argument_spec=dict(
        path=dict(type="path", required=True),
        name=dict(type="str", required=True),
        value=dict(type="raw", no_log=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        format=dict(type="str", choices=["values", "whole"], default="values"),
        backup=dict(type="bool", default=False),
        **KEY_ARGS,
    ),
    required_if=[("state", "present", ("value",))],
    add_file_common_args=True,
    supports_check_mode=True,
)


def main() -> None:
    module = AnsibleModule(**MODULE_SPEC)
    result = dict(changed=False, path=module.params["path"])
    run(module, lambda res: env_value(module, res), result)


if __name__ == "__main__":
    main()
