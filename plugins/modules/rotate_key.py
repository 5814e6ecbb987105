#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rotate_key
short_description: Re-encrypt encrypted .env files under a new master key, safely and with an audit trail
version_added: 0.1.0
description:
  - Re-encrypts every given file with a new key, all or nothing, and records the rotation in a JSON Lines audit
    trail (see M(fernet.dotenv.rotation_info)).
  - "Key custody comes first: at every instant - during the rotation, after a kill at any point, after a failure,
    after the same job runs again with the ring it was first given, after two rotations overlap - every file and
    every backup opens with the ring the job was given + the ring in O(new_key_file) + the key archive
    C(<new_key_file>.retired). No key a file or backup needs is ever overwritten."
  - "The order: lock C(<audit_file>.lock), every directory of the rotated files and the directory of
    O(new_key_file) (so two rotations of the same files wait for each other whatever audit files they name); with
    O(only_if_due), skip unless due; open every file with the ring + O(new_key_file) + the archive, before any key
    file is written; record C(initiated); write O(new_key_file) with the new key first and every key it held and
    the files need after it (merged, never replaced); re-encrypt every file into a temp file beside it, verified
    to decrypt with the new key alone to exactly the old plaintext; back up every original; rename every temp
    into place; record C(completed); then, unless O(keep_old_key), append the old keys to the archive and leave
    the new key alone in O(new_key_file)."
  - Any failure before the renames changes no file and records C(failed) with the reason. A crash or kill at any
    instant leaves every file decryptable, never a partial file, and an C(initiated) record without an end, which
    M(fernet.dotenv.rotation_info) reports as RV(fernet.dotenv.rotation_info#module:interrupted).
  - Running the same task again finishes an interrupted rotation with the key it introduced (taken from
    O(new_key_file), or given as O(new_key)), leaves the files already under it alone, and closes its record with
    C(completed), even when no file is left to re-encrypt. With O(only_if_due), an interrupted rotation is always
    due.
  - A rotation never runs on an audit trail with a record it cannot read; the error names the file and line.
  - The current key ring is the selected ring of the key options (see O(master_key)), resolved on the controller;
    with O(key_name), that named ring alone - a rotation never carries the keys of another environment.
  - Files, O(new_key_file), backups and the audit trail are on the host the task runs on - normally the controller,
    with C(delegate_to=localhost) and C(run_once=true).
  - With many files the work is spread over one worker process per core.
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - fernet.dotenv.attributes
  - fernet.dotenv.attributes.files
  - fernet.dotenv.attributes.action
  - fernet.dotenv.keys
attributes:
  check_mode:
    support: full
    details: Opens every file with the ring and reports which would be rotated; writes nothing, not even the trail.
  diff_mode:
    support: none
  idempotent:
    support: partial
    details: Every run rotates again, to a new key. With O(only_if_due=true) a run before the next rotation is due
      changes nothing; an interrupted rotation is finished with its own key.
  safe_file_operations:
    support: full
options:
  paths:
    description:
      - Encrypted files to rotate - file names, globs, and directories (every file below whose name ends in
        C(.encrypted), dotfiles included). Formats may be mixed; each file keeps its format.
    type: list
    elements: path
    required: true
  new_key:
    description:
      - The new key. When absent a new key is generated, and O(new_key_file) is required so that it exists
        somewhere.
    type: str
  new_key_file:
    description:
      - The key file of the rotation (mode V(0600), written atomically, never blindly replaced). Before any file
        changes it receives the new key first, then every key it already held and every key the files were under;
        once the rotation completed (unless O(keep_old_key)) the new key alone, the other keys having been appended
        to the key archive C(<new_key_file>.retired) first.
      - It may be the same file as O(master_key_file).
      - Update the key source your jobs use from this file. Under AWX, where jobs keep nothing, rotate a repository
        with the role P(fernet.dotenv.key_rotation#role) instead (C(key_rotation_git_repo)), which updates the key
        store in the safe order - expanded before the push, contracted after it.
    type: path
  keep_old_key:
    description:
      - Leave the old keys in O(new_key_file) after the rotation (for files or hosts not rotated yet) instead of
        moving them to the key archive.
    type: bool
    default: false
  backup:
    description:
      - Keep each original file, named C(<file>.<UTC timestamp>.bak), beside it or in O(backup_dir), created
        exclusively (a name already taken is never followed or replaced). Backups are encrypted with the old key,
        which the key archive keeps.
    type: bool
    default: true
  backup_dir:
    description:
      - Directory for the backups instead of beside each file.
    type: path
  reason:
    description:
      - Why the key is rotated, recorded in the audit trail (for example V(quarterly) or a ticket number).
    type: str
  audit_file:
    description:
      - The JSON Lines audit trail. Its lock is this path with C(.lock) appended; the directories of the rotated
        files and of O(new_key_file) are locked as well.
      - Defaults to C(.fernet-dotenv-audit.jsonl) in the deepest directory that holds all the rotated files.
    type: path
  rotation_interval_days:
    description:
      - Days between rotations (0 to 36500); the next rotation is due this long after the last completed one.
    type: int
    default: 90
  only_if_due:
    description:
      - Rotate only when the last completed rotation is at least O(rotation_interval_days) old (or there is none),
        or a rotation was interrupted; otherwise return RV(skipped=true) and change nothing. For scheduled jobs.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for another rotation that holds the lock before failing.
    type: int
    default: 60
  actor:
    description:
      - Who rotates, recorded in the audit trail. The action plugin fills in the controller's user and host name
        and, under AWX or Automation Controller, the job id, template and schedule; keys given here are added.
    type: dict
notes:
  - Backups stay encrypted with the old key; the key archive C(<new_key_file>.retired) keeps it. Delete the
    archive only after the backups that need its keys (M(fernet.dotenv.rotation_info) with
    O(fernet.dotenv.rotation_info#module:paths) says which keys they need).
seealso:
  - module: fernet.dotenv.rotation_info
  - module: fernet.dotenv.generate_key
"""

EXAMPLES = r"""
- name: Rotate every encrypted file under env/, writing the new ring beside the old key file
  fernet.dotenv.rotate_key:
    paths:
      - "{{ playbook_dir }}/env"
    master_key_file: "{{ playbook_dir }}/.secrets/master.key"
    new_key_file: "{{ playbook_dir }}/.secrets/master.key"
    reason: quarterly
  delegate_to: localhost
  run_once: true
  register: rotation

- name: Scheduled job - rotate only when due (key from SECRETS_MASTER_KEY injected by AWX)
  fernet.dotenv.rotate_key:
    paths:
      - /srv/secrets/*.env.encrypted
    new_key_file: /srv/secrets/next.key  # read first and merged: a re-run never loses the key of an earlier run
    only_if_due: true
    rotation_interval_days: 90
    audit_file: /srv/secrets/audit.jsonl
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
changed:
  description: Whether files were (or, in check mode, would be) rotated.
  returned: always
  type: bool
skipped:
  description: True when O(only_if_due) found the rotation not due yet.
  returned: always
  type: bool
old_key_fingerprint:
  description: Fingerprint of the primary key of the ring the files were decrypted with.
  returned: success
  type: str
  sample: sha256:3f2a9c0d1e4b5a6791aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f60
new_key_fingerprint:
  description: Fingerprint of the new key (null in check mode when the key would be generated).
  returned: success
  type: str
  sample: sha256:91aa02c3d4e5f6071829304a5b6c7d8e9f0a1b2c3d4e5f603f2a9c0d1e4b5a67
files:
  description: The files rotated, with the SHA-256 of each new file and the kid of the key it had before.
  returned: success
  type: list
  elements: dict
  sample: [{path: env/prod.env.encrypted, sha256: 5d1f0e9c, old_kid: 3f2a9c0d1e4b5a67}]
backups:
  description: The backup files made.
  returned: success
  type: list
  elements: str
audit_id:
  description: The id of this rotation's records in the audit trail.
  returned: when files were rotated
  type: str
  sample: 0d9c6f2b4e1a4f0c9a3b7e5d2c1f8a6b
audit_file:
  description: The audit trail used.
  returned: success
  type: str
next_rotation_due:
  description: When the next rotation is due (UTC, RFC 3339).
  returned: success
  type: str
  sample: '2027-02-26T14:03:11Z'
duration_seconds:
  description: How long the rotation took.
  returned: success
  type: float
resumed:
  description: Whether this run finished an interrupted rotation with that rotation's key (RV(audit_id) is then its id).
  returned: success
  type: bool
retired_key_fingerprints:
  description: Fingerprints of the keys moved from O(new_key_file) to the key archive C(<new_key_file>.retired).
  returned: when a rotation completed and O(keep_old_key) is false
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import KEY_ARGS, rings_from_params, run
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import Rotation


def rotate_key(module: AnsibleModule, result: dict) -> None:
    params = module.params
    rotation = Rotation(
        paths=params["paths"],
        # the rotated ring is the selected one alone: a rotation never carries another environment's keys
        ring=rings_from_params(params).for_writing(),
        new_key=Key.from_text(params["new_key"].strip(), what="new_key") if params["new_key"] else None,
        new_key_file=params["new_key_file"],
        keep_old_key=params["keep_old_key"],
        backup=params["backup"],
        backup_dir=params["backup_dir"],
        reason=params["reason"],
        audit_file=params["audit_file"],
        interval_days=params["rotation_interval_days"],
        only_if_due=params["only_if_due"],
        lock_timeout=params["lock_timeout"],
        actor=params["actor"] or {},
        check_mode=module.check_mode,
    )
    result.update(rotation.run())
    module.exit_json(**result)


MODULE_SPEC = dict(
    argument_spec=dict(
        paths=dict(type="list", elements="path", required=True),
        new_key=dict(type="str", no_log=True),
        new_key_file=dict(type="path", no_log=False),
        keep_old_key=dict(type="bool", default=False),
        backup=dict(type="bool", default=True),
        backup_dir=dict(type="path"),
        reason=dict(type="str"),
        audit_file=dict(type="path"),
        rotation_interval_days=dict(type="int", default=90),
        only_if_due=dict(type="bool", default=False),
        lock_timeout=dict(type="int", default=60),
        actor=dict(type="dict"),
        **KEY_ARGS,
    ),
    supports_check_mode=True,
)


def main() -> None:
    module = AnsibleModule(**MODULE_SPEC)
    # "skipped" only on success: Ansible reads it as "this task was skipped" and would then ignore failed_when
    run(module, lambda res: rotate_key(module, res), dict(changed=False))


if __name__ == "__main__":
    main()
