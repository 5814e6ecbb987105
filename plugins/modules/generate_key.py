#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: generate_key
short_description: Create a Fernet master key file
version_added: 0.1.0
description:
  - Creates a file holding a new Fernet key (URL-safe base64 of 32 random bytes), mode V(0600) unless O(mode) says
    otherwise, when the file does not exist yet.
  - An existing key file is left alone unless O(force=true). The key is never returned or logged; the module
    returns its fingerprint (V(sha256:) followed by the hex SHA-256 of the raw key bytes) and its short id.
  - Fernet is AES-128-CBC with HMAC-SHA256 (encrypt-then-MAC) under a 256-bit key (128-bit signing key and
    128-bit encryption key).
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.files
  - fernet.dotenv.attributes
  - fernet.dotenv.attributes.files
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The fingerprint of the key before and after, never a key.
  idempotent:
    support: partial
    details: An existing key file is kept, so a second run changes nothing - unless O(force=true), which makes a new
      key on every run.
  safe_file_operations:
    support: full
options:
  path:
    description:
      - The key file to create.
    type: path
    required: true
  force:
    description:
      - Replace an existing key file with a new key. The keys of the replaced ring are appended to the key archive
        C(<path>.retired) (mode V(0600), append-only) first, so no key is ever lost.
      - Files encrypted with the old key can no longer be decrypted with the new file alone; prefer
        M(fernet.dotenv.rotate_key), which re-encrypts them and keeps the old key until they are done.
    type: bool
    default: false
  backup:
    description:
      - With O(force=true), keep a copy of the replaced key file beside it, C(<path>.<UTC timestamp>.bak), mode
        V(0600) from its creation.
    type: bool
    default: false
  audit_file:
    description:
      - An audit trail (JSON Lines, see M(fernet.dotenv.rotation_info)) to record a C(key_generated) event in when a
        key is created. The rotation schedule counts from this event until the first rotation.
    type: path
  mode:
    description:
      - File permissions of the key file. Defaults to V(0600).
    type: raw
    default: '0600'
"""

EXAMPLES = r"""
- name: Create the master key on the controller once
  fernet.dotenv.generate_key:
    path: "{{ playbook_dir }}/.secrets/master.key"
  delegate_to: localhost
  run_once: true
  register: master_key

- name: Show which key is in use (the fingerprint, never the key)
  ansible.builtin.debug:
    msg: "Master key {{ master_key.fingerprint }}"
"""

RETURN = r"""
path:
  description: The key file.
  returned: always
  type: str
  sample: /srv/app/.secrets/master.key
fingerprint:
  description: Fingerprint of the primary key in the file.
  returned: success
  type: str
  sample: sha256:3f2a9c0d1e4b5a6791aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60
kid:
  description: Short key id, the first 16 hex digits of the fingerprint.
  returned: success
  type: str
  sample: 3f2a9c0d1e4b5a67
backup_file:
  description: The copy of the replaced key file (mode V(0600)), when O(backup=true) and a key was replaced.
  returned: changed and backup made
  type: str
  sample: /srv/app/.secrets/master.key.20261128T140311Z.bak
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail, local_actor
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyfiles import KeyFile
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import check_target, finish, run, write_file


def generate_key(module: AnsibleModule, result: dict) -> None:
    path = module.params["path"]
    check_target(path, "path")
    existing = None
    if os.path.lexists(path):
        try:
            existing = KeyRing.from_file(path)
        except FernetDotenvError:
            if not module.params["force"]:
                raise FernetDotenvError(
                    f"Cannot use the key file {path}: it exists but holds no valid Fernet key ring "
                    "(set force=true to replace it)"
                ) from None
    if existing is not None and not module.params["force"]:
        key = existing.primary
    else:
        key = Key.generate()
        result["changed"] = True
        result["diff"] = dict(
            before=dict(path=path, fingerprint=existing.primary.fingerprint if existing else None),
            after=dict(path=path, fingerprint=key.fingerprint),
        )
        if not module.check_mode:
            if existing is not None:
                KeyFile(path).retire(list(existing.keys))
            write_file(module, path=path, data=(key.to_text() + "\n").encode("ascii"),
                       backup=module.params["backup"], result=result)
            if module.params["audit_file"]:
                AuditTrail(module.params["audit_file"]).append(dict(
                    event="key_generated", status="completed", new_key_fingerprint=key.fingerprint,
                    old_key_fingerprint=existing.primary.fingerprint if existing else None,
                    files=[dict(path=path)], actor=local_actor(),
                ), key=key)
    result.update(fingerprint=key.fingerprint, kid=key.kid)
    finish(module, result, path=path)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            force=dict(type="bool", default=False),
            backup=dict(type="bool", default=False),
            mode=dict(type="raw", default="0600"),
            audit_file=dict(type="path"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    run(module, lambda res: generate_key(module, res), dict(changed=False, path=module.params["path"]))


if __name__ == "__main__":
    main()
