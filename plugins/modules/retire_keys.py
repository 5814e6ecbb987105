#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: retire_keys
short_description: Move the keys no file needs any more from a key file to its key archive
version_added: 0.2.0
description:
  - The contract step of expand, rotate, contract. After a rotation ran with O(fernet.dotenv.rotate_key#module:keep_old_key=true)
    and its result was published (pushed to git, deployed), this module leaves in O(key_file) only the keys that
    some encrypted file or backup under O(paths) still needs, and the primary key.
  - Every key it removes is appended to the key archive C(<key_file>.retired) (mode V(0600), append-only, one key
    per line with its kid and the time it was retired) before the key file is rewritten (atomically, mode V(0600)).
    No key is ever lost; deleting the archive is the user's decision (delete the old backups first).
  - With O(kids), only those keys are candidates, and keys that another job added to the file after you chose the
    candidates are never touched. The role C(fernet.dotenv.key_rotation) uses this to contract a key store that
    jobs running at the same time share.
  - Takes the same directory locks as M(fernet.dotenv.rotate_key) (the key file's directory and the directories
    of the files under O(paths)), so it never contracts a key file in the middle of a rotation that uses it.
  - Returns kids (the first 16 hex digits of a key's fingerprint), never a key. Runs where the key file is (delegate the task
    to C(localhost) for a key file on the controller).
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - fernet.dotenv.attributes
  - fernet.dotenv.attributes.files
options:
  key_file:
    description:
      - The key file (a key ring, as written by M(fernet.dotenv.rotate_key)'s O(fernet.dotenv.rotate_key#module:new_key_file)).
    type: path
    required: true
  paths:
    description:
      - Encrypted files, globs or directories (every file below whose name ends in C(.encrypted)). The keys of these
        files and of their backups are kept.
      - Paths that match no encrypted file fail the task rather than retire every key.
    type: list
    elements: path
    required: true
  kids:
    description:
      - Only these keys (by kid or fingerprint) may be retired. Default is every key of the file but the primary.
    type: list
    elements: str
  lock_timeout:
    description:
      - Seconds to wait for the locks before failing.
    type: int
    default: 60
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff lists the kids in the key file before and after, never a key.
  idempotent:
    support: full
  safe_file_operations:
    support: full
"""

EXAMPLES = r"""
- name: Rotate, keeping the old key in the key file until the hosts have the new files
  fernet.dotenv.rotate_key:
    paths: [env/]
    new_key_file: /srv/keys/ring.key
    keep_old_key: true
  delegate_to: localhost
  run_once: true

- name: Deploy the re-encrypted files with the expanded ring
  ansible.builtin.include_role:
    name: fernet.dotenv.env_deploy
  vars:
    env_deploy_master_key_file: /srv/keys/ring.key

- name: Contract - retire the old key now that nothing needs it
  fernet.dotenv.retire_keys:
    key_file: /srv/keys/ring.key
    paths: [env/]
  delegate_to: localhost
  run_once: true
  register: contracted

- name: Say which keys went to the archive (kids, never keys)
  ansible.builtin.debug:
    msg: "Retired {{ contracted.retired | join(', ') }}; the key file holds {{ contracted.kept | join(', ') }}"
"""

RETURN = r"""
retired:
  description: Kids of the keys moved to the archive (or that would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: [3f2a9c0d1e4b5a67]
kept:
  description: Kids of the keys left in the key file, primary first.
  returned: success
  type: list
  elements: str
  sample: [9be01c55d2a47f13]
keys_needed:
  description: Kids of the keys the files and backups under O(paths) were written by.
  returned: success
  type: list
  elements: str
  sample: [9be01c55d2a47f13]
keys_missing:
  description: Kids of keys some file or backup needs that neither the key file nor its archive holds.
  returned: success
  type: list
  elements: str
  sample: []
archive:
  description: The key archive the retired keys were appended to.
  returned: success
  type: str
  sample: /srv/keys/ring.key.retired
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import Locks
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyfiles import KeyFile
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import run
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import expand_paths, key_coverage


def _kid(text: str) -> str:
    """A kid from a kid or a fingerprint (sha256:<64 hex>); anything else is refused without being echoed."""
    value = text.strip().lower()
    if value.startswith("sha256:"):
        value = value[len("sha256:"):][:16]
    if len(value) != 16 or any(char not in "0123456789abcdef" for char in value):
        raise FernetDotenvError("kids: every item must be a kid (16 hex digits) or a fingerprint (sha256:...)")
    return value


def retire_keys(module: AnsibleModule, result: dict) -> None:
    params = module.params
    key_file = KeyFile(params["key_file"])
    candidates = None if params["kids"] is None else {_kid(item) for item in params["kids"]}
    try:
        files = expand_paths(params["paths"])
    except FernetDotenvError as exc:
        # a typo in paths must never look like "no file needs any key"
        raise FernetDotenvError(str(exc).replace("Cannot rotate", "Cannot retire keys", 1)
                                + " (no key is retired unless the files that need keys are found)") from None
    directories = {os.path.dirname(os.path.realpath(path)) for path in files}
    directories.add(os.path.dirname(os.path.realpath(key_file.path)))
    with Locks(files=[], directories=sorted(directories), timeout=params["lock_timeout"]):
        current = key_file.read()
        if current is None:
            raise FernetDotenvError(f"Cannot contract the key file {key_file.path}: it does not exist")
        archived = key_file.read_archive()
        coverage = key_coverage(params["paths"], keys=KeyRing.union(current, archived))
        needed = set(coverage.keys_needed)
        keep = [key for index, key in enumerate(current.keys)
                if index == 0 or key.kid in needed or (candidates is not None and key.kid not in candidates)]
        retired = [key for key in current.keys if key not in keep]
        result.update(retired=[key.kid for key in retired], kept=[key.kid for key in keep],
                      keys_needed=coverage.keys_needed, keys_missing=coverage.keys_missing, archive=key_file.archive)
        if retired:
            result["changed"] = True
            result["diff"] = dict(before=dict(kids=[key.kid for key in current.keys]),
                                  after=dict(kids=[key.kid for key in keep]))
            if not module.check_mode:
                key_file.contract(keep)
    module.exit_json(**result)


def main() -> None:
    module = AnsibleModule(
        argument_spec=dict(
            key_file=dict(type="path", required=True, no_log=False),
            paths=dict(type="list", elements="path", required=True),
            kids=dict(type="list", elements="str"),
            lock_timeout=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    run(module, lambda res: retire_keys(module, res), dict(changed=False, key_file=module.params["key_file"]))


if __name__ == "__main__":
    main()
