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
  - "The key options and their order are those of every fernet.dotenv plugin (see O(master_key)): options given to
    the lookup first, then the variables C(fernet_dotenv_master_key), C(fernet_dotenv_master_key_file) and
    C(fernet_dotenv_key_name), then the controller's environment. A file is opened with the configured ring that
    holds its key id, so one template can read the files of several environments."
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
  default:
    description:
      - Returned for a variable the file does not define. Without it, a missing variable is an error that names
        the variable.
    type: raw
  interpolate:
    description:
      - Expand C(${NAME}) and C(${NAME:-default}) in values exactly as python-dotenv's C(dotenv_values) does, so a
        template sees what the application sees - a name bound earlier in the file, else the controller's
        environment, else the default, else an empty string. Single-quoted values are expanded too, as
        python-dotenv does; C($NAME) without braces never is.
      - One exception, for key custody - names starting with C(SECRETS_MASTER_KEY) are never taken from the
        controller's environment (they count as unset), so a file cannot pull a ring of the controller, such as
        another environment's, into a value.
      - By default values come back as written, C(${NAME}) included.
    type: bool
    default: false
extends_documentation_fragment:
  - fernet.dotenv.keys
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

# With SECRETS_MASTER_KEY_PROD and SECRETS_MASTER_KEY_STAGING set on the controller, each file opens with the
# ring that holds its key id
- name: Two environments in one task
  ansible.builtin.debug:
    msg: "{{ lookup('fernet.dotenv.fernetenv', 'DB_HOST', file='staging.env.encrypted') }} and
          {{ lookup('fernet.dotenv.fernetenv', 'DB_HOST', file='prod.env.encrypted') }}"

- name: A URL built from other variables of the file, as the application reads it
  ansible.builtin.set_fact:
    database_url: "{{ lookup('fernet.dotenv.fernetenv', 'DATABASE_URL', file='prod.env.encrypted', interpolate=true) }}"
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
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY
from ansible_collections.fernet.dotenv.plugins.plugin_utils._controller import load_document, load_values
from ansible_collections.fernet.dotenv.plugins.plugin_utils._key_options import KEY_VARIABLES, key_rings, plugin_options

_MISSING = object()
# Resolving plugin options costs more than the rest of a lookup: a template with hundreds of lookups resolves
# each distinct set of arguments once per process, unless variables take part (those may differ per host).
_RESOLVED: dict[tuple, tuple] = {}


def _signature(variables: dict, kwargs: dict) -> tuple | None:
    if any(name in variables for name in KEY_VARIABLES.values()):
        return None
    given = tuple(sorted((name, str(value)) for name, value in kwargs.items() if name != "default"))
    environment = tuple(sorted((name, value) for name, value in os.environ.items() if name.startswith(ENV_KEY)))
    return given, environment


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        variables = variables or {}
        signature = _signature(variables, kwargs)
        try:
            if signature in _RESOLVED:
                name, interpolate, rings = _RESOLVED[signature]
            else:
                self.set_options(var_options=variables, direct=kwargs)
                name, interpolate = self.get_option("file"), self.get_option("interpolate")
                rings = key_rings(plugin_options(self), variables=variables, template=self._templar.template,
                                  find_file=self._loader.path_dwim)
                if signature is not None:
                    _RESOLVED[signature] = (name, interpolate, rings)
            path = self.find_file_in_search_path(variables, "files", name, ignore_missing=True)
            if not path:
                raise FernetDotenvError(f"Cannot read {name}: no such file (searched the files/ directories and the playbook)")
            if interpolate:
                values = wrap_var(load_document(path, rings).interpolated(os.environ))
            else:
                values = load_values(path, rings)
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
