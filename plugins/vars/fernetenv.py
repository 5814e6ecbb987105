# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: fernetenv
short_description: Load encrypted .env files from group_vars and host_vars as variables
version_added: 0.1.0
description:
  - Loads every C(*.env.encrypted) file in C(group_vars/<group>/) and C(host_vars/<host>/), and the files
    C(group_vars/<group>.env.encrypted) and C(host_vars/<host>.env.encrypted), next to the inventory and the
    playbook. Each variable of a file becomes a top-level variable of that group or host.
  - Files of one group or host are read in name order; a later file wins for the same variable.
  - Each file is decrypted once per run (cached by real path, modification time, size and key ring).
  - "The key options come from the C([fernet_dotenv]) section of C(ansible.cfg), then the controller's environment, in
    the order of every fernet.dotenv plugin (see O(master_key)); there are no task or variables here. Each file is
    opened with the configured ring that holds its key id, so with both E(SECRETS_MASTER_KEY_PROD) and
    E(SECRETS_MASTER_KEY_STAGING) set, C(group_vars/prod/) and C(group_vars/staging/) load in one run. A file no
    configured ring opens stops the run with C(Invalid encryption key or corrupted file) and the file's key id, and
    when encrypted files exist and no key is configured at all, with C(SECRETS_MASTER_KEY not found) - never a run
    with missing variables."
  - Enable it like any vars plugin, for example C(vars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv)
    in the C([defaults]) section of C(ansible.cfg).
author:
  - fernet.dotenv maintainers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.vars_plugin_staging
  - fernet.dotenv.keys
  - fernet.dotenv.keys.vars_plugin
"""

EXAMPLES = r"""
# ansible.cfg
#   [defaults]
#   vars_plugins_enabled = host_group_vars,fernet.dotenv.fernetenv
#
# inventory/group_vars/webservers/app.env.encrypted   (made with fernet.dotenv.encrypt_env)
#   $FERNET_DOTENV;1;values;kid=3f2a9c0d1e4b5a67
#   DB_PASSWORD=gAAAAA...
#
# Every host of webservers then has the variable DB_PASSWORD; the key comes from SECRETS_MASTER_KEY.
#
# One ring per environment: inventory/group_vars/prod/app.env.encrypted and group_vars/staging/app.env.encrypted
# load in one run when SECRETS_MASTER_KEY_PROD and SECRETS_MASTER_KEY_STAGING are both set; a job given only the
# staging ring stops on the prod file with its key id.
"""

import os

from ansible.errors import AnsibleParserError
from ansible.inventory.group import InventoryObjectType
from ansible.plugins.vars import BaseVarsPlugin
from ansible.utils.path import basedir

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError
from ansible_collections.fernet.dotenv.plugins.plugin_utils._controller import load_values
from ansible_collections.fernet.dotenv.plugins.plugin_utils._key_options import key_rings, plugin_options

SUFFIX = ".env.encrypted"


def _files_for(directory: str, name: str) -> list[str]:
    found = []
    single = os.path.join(directory, name + SUFFIX)
    if os.path.isfile(single):
        found.append(single)
    folder = os.path.join(directory, name)
    if os.path.isdir(folder):
        found.extend(
            os.path.join(folder, entry) for entry in sorted(os.listdir(folder))
            if entry.endswith(SUFFIX) and not entry.startswith(".") and os.path.isfile(os.path.join(folder, entry))
        )
    return found


class VarsModule(BaseVarsPlugin):
    REQUIRES_ENABLED = True
    is_stateless = True

    def get_vars(self, loader, path, entities, cache=True):
        if not isinstance(entities, list):
            entities = [entities]
        base = os.path.realpath(basedir(path))
        data: dict = {}
        rings = None
        for entity in entities:
            kind = getattr(entity, "base_type", None)
            if kind is InventoryObjectType.HOST:
                subdir = "host_vars"
            elif kind is InventoryObjectType.GROUP:
                subdir = "group_vars"
            else:
                raise AnsibleParserError(f"fernetenv: supplied entity must be a host or a group, not {type(entity).__name__}")
            if entity.name.startswith(os.path.sep):
                continue
            for found in _files_for(os.path.join(base, subdir), entity.name):
                try:
                    rings = rings or key_rings(plugin_options(self), find_file=loader.path_dwim)
                    data.update(load_values(found, rings))
                except FernetDotenvError as exc:
                    raise AnsibleParserError(f"fernetenv: {exc}") from None
        return data
