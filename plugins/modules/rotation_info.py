#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rotation_info
short_description: Read the key rotation audit trail - when the next rotation is due, and anything unfinished
version_added: 0.1.0
description:
  - Reads the JSON Lines audit trail written by M(fernet.dotenv.rotate_key) (and M(fernet.dotenv.generate_key)
    with its O(fernet.dotenv.generate_key#module:audit_file) option), verifies its hash chain, and reports the last
    completed rotation, when the next one is due, and whether a rotation was interrupted.
  - The due date is the last completed rotation (or key generation) plus O(rotation_interval_days). With no such
    record the rotation is due at once.
  - A record that cannot be read (not JSON, a field of the wrong type, a time that is not a UTC RFC 3339 time) is
    reported as RV(audit_intact=false) with RV(audit_problem) naming the file and line;
    M(fernet.dotenv.rotate_key) refuses to rotate on such a trail.
  - With a key at hand (see O(new_key_file)), every record's MAC is verified too, so that a record appended by
    someone without a key of the ring - a forged C(completed) that would move the due date - is reported and
    ignored.
  - With O(paths), also reports which keys the encrypted files under them and their backups need
    (RV(keys_needed)), and which of those no key at hand holds (RV(keys_missing)) - the keys at hand being the
    key ring (resolved on the controller like every module's, when one is configured), O(new_key_file) and its key
    archive C(<new_key_file>.retired). An empty RV(keys_missing) means every file and backup can still be opened.
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - fernet.dotenv.attributes
  - fernet.dotenv.attributes.action
  - fernet.dotenv.keys
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: N/A
    details: Nothing changes, so there is no diff.
  idempotent:
    support: full
    details: Reading the trail changes nothing.
options:
  audit_file:
    description:
      - The audit trail. A missing file is an empty, intact trail.
      - Required unless O(paths) is given; then it defaults to C(.fernet-dotenv-audit.jsonl) in the deepest
        directory that holds all the files, as for M(fernet.dotenv.rotate_key).
    type: path
  paths:
    description:
      - Encrypted files, globs and directories (as M(fernet.dotenv.rotate_key) takes them) whose keys to check,
        with their backups.
    type: list
    elements: path
  new_key_file:
    description:
      - The key file a rotation writes (M(fernet.dotenv.rotate_key)'s O(fernet.dotenv.rotate_key#module:new_key_file)).
        Its ring and its key archive C(<new_key_file>.retired) count as keys at hand for RV(keys_missing).
    type: path
  rotation_interval_days:
    description:
      - Days between rotations. V(0) means a rotation is due at once.
    type: int
    default: 90
  warn_days:
    description:
      - Report RV(due_soon=true) when the next rotation is due within this many days.
    type: int
    default: 0
  history_size:
    description:
      - How many of the most recent records to return in RV(history).
    type: int
    default: 10
seealso:
  - module: fernet.dotenv.rotate_key
"""

EXAMPLES = r"""
- name: Read the rotation status
  fernet.dotenv.rotation_info:
    audit_file: "{{ playbook_dir }}/env/.fernet-dotenv-audit.jsonl"
    warn_days: 14
  delegate_to: localhost
  run_once: true
  register: rotation

- name: Fail a scheduled check when the key is overdue or the trail was tampered with
  ansible.builtin.assert:
    that:
      - not rotation.overdue
      - rotation.audit_intact
      - not rotation.interrupted
    fail_msg: "Key rotation overdue since {{ rotation.next_rotation_due }}"
"""

RETURN = r"""
last_rotation:
  description: The last completed rotation (or key generation) record, or null.
  returned: always
  type: dict
  sample: {id: 0d9c6f2b4e1a4f0c9a3b7e5d2c1f8a6b, time: '2026-11-28T14:03:11Z', event: rotation, status: completed}
next_rotation_due:
  description: When the next rotation is due (UTC, RFC 3339), or null when there was none yet.
  returned: always
  type: str
  sample: '2027-02-26T14:03:11Z'
days_until_due:
  description: Whole days until the next rotation is due; negative when overdue, null when never rotated.
  returned: always
  type: int
  sample: 42
overdue:
  description: Whether a rotation is due now.
  returned: always
  type: bool
due_soon:
  description: Whether the rotation is due within O(warn_days) days (or overdue).
  returned: always
  type: bool
interrupted:
  description: Whether a rotation was started and never completed or failed (a crash or kill); see the recovery guide.
  returned: always
  type: bool
audit_intact:
  description:
    - Whether the hash chain of the trail holds (no line edited or removed, except possibly the last), every
      record can be read, and - with a key at hand - every record after the first signed one verifies.
    - The chain does not show that the last lines were cut off, nor which holder of a key wrote a line.
  returned: always
  type: bool
audit_problem:
  description: The first problem of the trail - the file and line - when RV(audit_intact=false).
  returned: when the trail is not intact
  type: str
audit_verified:
  description:
    - Whether every signed record's MAC was checked with a key at hand (the key ring, O(new_key_file) and its key
      archive) and verified. Records are signed since fernet.dotenv 0.2.0; a record appended by someone without
      a key of the ring (for example a forged C(completed)) then makes RV(audit_intact=false) and never counts for
      the schedule. Without a key at hand, nothing can be verified and this is V(false).
    - Records signed with a key that is not at hand are not counted for the schedule either.
  returned: always
  type: bool
history:
  description: The most recent records, oldest first.
  returned: always
  type: list
  elements: dict
audit_file:
  description: The audit trail read.
  returned: always
  type: str
keys_needed:
  description:
    - The kids (first 16 hex digits of the fingerprint) of the keys that wrote the files under O(paths) and their
      backups, sorted.
    - A bare Fernet token names no key; its kid is that of the key at hand that authenticates it, else V(unknown).
  returned: when O(paths) is given
  type: list
  elements: str
  sample: [3f2a9c0d1e4b5a67, 91aa02c3d4e5f607]
keys_missing:
  description: The kids of RV(keys_needed) that no key at hand holds; empty when the keys at hand cover every file and backup.
  returned: when O(paths) is given
  type: list
  elements: str
  sample: []
files_missing_key:
  description: The files and backups whose key is in RV(keys_missing).
  returned: when O(paths) is given
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import AuditTrail
from ansible_collections.fernet.dotenv.plugins.module_utils._keyfiles import KeyFile
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import KeyRing
from ansible_collections.fernet.dotenv.plugins.module_utils._modules import KEY_ARGS, rings_from_params, run
from ansible_collections.fernet.dotenv.plugins.module_utils._rotation import (
    default_audit_file,
    expand_paths,
    key_coverage,
    rotation_status,
)


def rotation_info(module: AnsibleModule, result: dict) -> None:
    params = module.params
    audit_file = params["audit_file"] or default_audit_file(expand_paths(params["paths"]))
    trail = AuditTrail(audit_file)
    key_file = KeyFile(params["new_key_file"]) if params["new_key_file"] else None
    sources = [
        *rings_from_params(params).configured(),
        key_file.read() if key_file else None,
        key_file.read_archive() if key_file else None,
    ]
    keys = KeyRing.union(*sources) if any(sources) else None
    status = rotation_status(trail, interval_days=params["rotation_interval_days"], history=params["history_size"],
                             keys=keys)
    due_soon = status.overdue or (status.days_until_due is not None and status.days_until_due <= params["warn_days"])
    result.update(
        audit_file=audit_file,
        last_rotation=status.last_rotation,
        next_rotation_due=status.next_rotation_due,
        days_until_due=status.days_until_due,
        overdue=status.overdue,
        due_soon=due_soon,
        interrupted=status.interrupted,
        audit_intact=status.audit_intact,
        audit_verified=keys is not None and not status.unverified and not status.forged,
        history=status.history,
    )
    if status.problem:
        result["audit_problem"] = status.problem
    if params["paths"]:
        coverage = key_coverage(params["paths"], keys=keys, trail=trail)
        result.update(keys_needed=coverage.keys_needed, keys_missing=coverage.keys_missing,
                      files_missing_key=coverage.files_missing_key)
    module.exit_json(**result)


MODULE_SPEC = dict(
    argument_spec=dict(
        audit_file=dict(type="path"),
        rotation_interval_days=dict(type="int", default=90),
        warn_days=dict(type="int", default=0),
        history_size=dict(type="int", default=10),
        paths=dict(type="list", elements="path"),
        new_key_file=dict(type="path", no_log=False),
        **KEY_ARGS,
    ),
    required_one_of=[("audit_file", "paths")],
    supports_check_mode=True,
)


def main() -> None:
    module = AnsibleModule(**MODULE_SPEC)
    run(module, lambda res: rotation_info(module, res), dict(changed=False))


if __name__ == "__main__":
    main()
