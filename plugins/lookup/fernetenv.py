# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fernetenv
short_description: Read variables from an encrypted .env file
version_added: 0.1.0
description:
  - Returns the values of the named variables of an encrypted C(.env) file (any format, or a bare Fernet token),
    or the whole file as a dictionary when no name is given.
  - The file is decrypted once per process - the first lookup decrypts it, the others read a cache keyed by the
    file's real path, modification time, size and the fingerprints of the key ring (never by plaintext). A changed
    file or a different ring is decrypted again.
  - "The key ring comes from, first found: O(master_key), O(master_key_file) (given to the lookup, then from the
    variables below), the controller's environment variable E(SECRETS_MASTER_KEY) - what an AWX or Automation
    Controller credential injects - then the file named by E(SECRETS_MASTER_KEY_FILE)."
author:
  - fernet.dotenv maintainers (!UNKNOWN)
options:
  _terms:
    description:
      - Variable names. None returns the whole file as one dictionary.
    type: list
    elements: str
    required: false
  file:
    description:
      - The encrypted file, searched for like other file lookups (the C(files/) directories of roles and the
        playbook, then relative to the playbook).
    type: str
    default: .env.encrypted
  master_key:
    description:
      - The key ring, one or more Fernet keys separated by commas, spaces or newlines.
    type: str
    vars:
      - name: fernet_dotenv_master_key
    env:
      - name: SECRETS_MASTER_KEY
  master_key_file:
    description:
      - A file on the controller holding the key ring; a relative path is relative to the playbook directory.
    type: str
    vars:
      - name: fernet_dotenv_master_key_file
    env:
      - name: SECRETS_MASTER_KEY_FILE
  default:
    description:
      - Returned for a variable the file does not define. Without it, a missing variable is an error that names
        the variable.
    type: raw
notes:
  - Values come back as text; a variable written without V(=) in the file comes back as null.
seealso:
  - module: fernet.dotenv.encrypt_env
  - plugin: fernet.dotenv.fernetenv
    plugin_type: vars
"""

EXAMPLES = r"""
- name: Use one secret in a task (key from SECRETS_MASTER_KEY on the controller)
  ansible.builtin.uri:
    url: https://api.example.invalid/health
    headers:
      Authorization: "Bearer {{ lookup('fernet.dotenv.fernetenv', 'API_TOKEN', file='prod.env.encrypted') }}"
  no_log: true

- name: Several at once, with a default for an optional one
  ansible.builtin.set_fact:
    db: "{{ lookup('fernet.dotenv.fernetenv', 'DB_HOST', 'DB_PASSWORD', 'DB_PORT', file='prod.env.encrypted',
                   default='5432', wantlist=true) }}"
  no_log: true

- name: The whole file as a dictionary, with the key from a vaulted variable
  ansible.builtin.template:
    src: settings.py.j2
    dest: /srv/app/settings.py
    mode: "0600"
  vars:
    env: "{{ lookup('fernet.dotenv.fernetenv', file='prod.env.encrypted') }}"
    fernet_dotenv_master_key: "{{ vaulted_master_key }}"
"""

RETURN = r"""
_raw:
  description:
    - One value per name asked for, in order; or, with no name, one dictionary of every variable.
  type: list
  elements: raw
"""

import os

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY, ENV_KEY_FILE
from ansible_collections.fernet.dotenv.plugins.plugin_utils._controller import load_values, ring_from_options

_MISSING = object()
_VAR_OPTIONS = ("fernet_dotenv_master_key", "fernet_dotenv_master_key_file")
# Resolving plugin options costs more than the rest of a lookup: a template with hundreds of lookups resolves
# each distinct set of arguments once per process. Only rings given as text are kept (a key file may change
# under a running play), and never when the ring comes from variables (those may differ per host).
_RESOLVED: dict[tuple, tuple[str, object]] = {}


def _signature(variables: dict, kwargs: dict) -> tuple | None:
    if any(name in variables for name in _VAR_OPTIONS):
        return None
    given = tuple(sorted((name, str(value)) for name, value in kwargs.items() if name != "default"))
    return given, os.environ.get(ENV_KEY), os.environ.get(ENV_KEY_FILE)


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        signature = _signature(variables, kwargs)
        try:
            if signature in _RESOLVED:
                name, ring = _RESOLVED[signature]
            else:
                self.set_options(var_options=variables, direct=kwargs)
                name, ring = self.get_option("file"), ring_from_options(self)
                if signature is not None and ring.path is None:
                    _RESOLVED[signature] = (name, ring)
            path = self.find_file_in_search_path(variables, "files", name, ignore_missing=True)
            if not path:
                raise FernetDotenvError(f"Cannot read {name}: no such file (searched the files/ directories and the playbook)")
            values = load_values(path, ring)
        except FernetDotenvError as exc:
            raise AnsibleLookupError(f"fernetenv: {exc}") from None
        if not terms:
            return [values]
        default = kwargs.get("default", _MISSING)
        result = []
        for term in terms:
            if term in values:
                result.append(values[term])
            elif default is not _MISSING:
                result.append(default)
            else:
                raise AnsibleLookupError(f"fernetenv: {name} defines no variable {term} (give default= to allow that)")
        return result
