# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for fernet.dotenv.rotation_info: the key ring configured on the controller, if any, is a key at hand - to
verify the records' MACs and, with paths, to cover the files' keys. Reading the schedule needs no key at all."""

from __future__ import annotations

import os

from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import ENV_KEY, ENV_KEY_FILE
from ansible_collections.fernet.dotenv.plugins.plugin_utils._action import KeyedAction


class ActionModule(KeyedAction):
    def module_args(self, args: dict, task_vars: dict, result: dict) -> dict:
        configured = args.get("master_key") or args.get("master_key_file") or os.environ.get(ENV_KEY) or \
            os.environ.get(ENV_KEY_FILE)
        if not configured:
            return args
        return super().module_args(args, task_vars, result)
