# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for fernet.dotenv.env_value: the arguments are checked and the rings resolved on the controller, the module
works on the target."""

from __future__ import annotations

from ansible_collections.fernet.dotenv.plugins.modules.env_value import MODULE_SPEC
from ansible_collections.fernet.dotenv.plugins.plugin_utils._action import KeyedAction


class ActionModule(KeyedAction):
    MODULE_SPEC = MODULE_SPEC
    SELECTED_RING_REQUIRED = False
