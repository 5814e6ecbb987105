# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Private to the collection: the key options of every plugin that opens or writes an encrypted file - the
    # modules, the lookup and the vars plugin - and the one order their rings are resolved in.
    DOCUMENTATION = r"""
options:
  master_key:
    description:
      - The key ring, one or more Fernet keys separated by commas, spaces or newlines; the first one encrypts, all
        of them decrypt.
      - "The ring is the first of these that is set: O(master_key), O(master_key_file), O(master_key_command), the
        variable C(fernet_dotenv_master_key), the variable C(fernet_dotenv_master_key_file), then the controller's
        environment variable E(SECRETS_MASTER_KEY) (what an AWX / Automation Controller credential injects) and the
        file named by E(SECRETS_MASTER_KEY_FILE). With O(key_name), the environment pair is
        E(SECRETS_MASTER_KEY_<NAME>) and E(SECRETS_MASTER_KEY_<NAME>_FILE) instead."
      - "To open a file, the ring that holds the file's key id (kid) is used: the ring above, else any other ring the
        controller's environment configures (every E(SECRETS_MASTER_KEY_<NAME>) or E(SECRETS_MASTER_KEY_<NAME>_FILE),
        and E(SECRETS_MASTER_KEY) or E(SECRETS_MASTER_KEY_FILE) when O(key_name) is set). A new file is always
        written with the primary key of the ring above."
      - A list of rings is accepted too - the first one is selected (it writes), each opens the files it holds, and
        the environment is not asked. This is also how an action plugin hands the rings it resolved on the
        controller to its module, as a C(no_log) argument.
    type: raw
  master_key_file:
    description:
      - A file on the controller that holds the key ring. Relative paths are relative to the playbook directory.
    type: path
  master_key_command:
    description:
      - A command run on the controller whose standard output is the key ring, for example
        V(pass show fernet/prod) or V(op read op://ops/fernet-prod/ring). It is split into words like a shell
        command line but run without a shell.
      - The key id of the file being opened is in its environment as E(FERNET_DOTENV_KID) (empty when a new file is
        written, and when a module opens a file on a target host, where the controller cannot see the file).
      - It runs at most once per process per key id; neither its output nor its error output is ever shown, and a
        failure names only the exit code.
    type: str
  key_name:
    description:
      - The name of the ring, one per environment (like a vault id), for example V(prod) or V(staging). It reads
        E(SECRETS_MASTER_KEY_PROD) and E(SECRETS_MASTER_KEY_PROD_FILE) instead of the unnamed pair.
      - Letters, digits, V(_) and V(-) (a V(-) is V(_) in the variable name); a name cannot end in V(file).
      - Defaults to the variable C(fernet_dotenv_key_name).
    type: str
"""

    # the vars plugin has no task and no variables: its key options come from ansible.cfg
    VARS_PLUGIN = r"""
options:
  master_key:
    ini:
      - section: fernet_dotenv
        key: master_key
  master_key_file:
    ini:
      - section: fernet_dotenv
        key: master_key_file
  master_key_command:
    ini:
      - section: fernet_dotenv
        key: master_key_command
  key_name:
    ini:
      - section: fernet_dotenv
        key: key_name
"""
