# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Private to the collection: the key options every module, the lookup and the vars plugin take.
    DOCUMENTATION = r"""
options:
  master_key:
    description:
      - The key ring, one or more Fernet keys separated by commas, spaces or newlines; the first one encrypts, all
        of them decrypt.
      - When neither O(master_key) nor O(master_key_file) is set, the ring comes from the controller's environment
        variable E(SECRETS_MASTER_KEY) (what an AWX / Automation Controller credential injects), then from the file
        named by E(SECRETS_MASTER_KEY_FILE).
      - The ring is always resolved on the controller and handed to the module as a C(no_log) argument.
    type: str
  master_key_file:
    description:
      - A file on the controller that holds the key ring. Relative paths are relative to the playbook directory.
    type: path
"""
