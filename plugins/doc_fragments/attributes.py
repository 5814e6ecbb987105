# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Private to the collection: what each attribute means. Every module states its own support (and details) -
    # in an attributes block of its own, or through ENV_FILE when it is one of the modules that write a .env file
    # and support everything fully - so that nothing is claimed for a module that does not do it.
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return a changed status prediction without modifying the target.
  diff_mode:
    description: Returns details on what changed (or would change) in diff mode - variable names or key ids, never a
      value or a key.
  idempotent:
    description: A second run with the same arguments reports no change, and changes nothing.
"""

    FILES = r"""
options: {}
attributes:
  safe_file_operations:
    description: Writes through a temp file beside the target, fsync and rename, so a reader never sees a partial
      file.
"""

    # encrypt_env, decrypt_env and env_value: full support, idempotent by decrypted content
    ENV_FILE = r"""
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Variable names, each marked when it was added, removed or changed; never a character of a value.
  idempotent:
    support: full
    details: By decrypted content - Fernet output is never the same twice, so bytes cannot tell.
  safe_file_operations:
    support: full
"""

    ACTION = r"""
options: {}
attributes:
  action:
    description: An action plugin of the same name runs on the controller first - it checks the arguments against
      this module's argument spec and resolves the key rings there, where AWX injects them.
    support: full
  action_group:
    description: Use C(group/fernet.dotenv.keyed) in C(module_defaults) to set the key options (for example
      O(key_name)) of every keyed module at once.
    support: full
    membership:
      - fernet.dotenv.keyed
"""
