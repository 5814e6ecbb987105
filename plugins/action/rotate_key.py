# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for fernet.dotenv.rotate_key: the current ring and the actor come from the controller."""

from __future__ import annotations

import os

from ansible_collections.fernet.dotenv.plugins.module_utils._audit import local_actor
from ansible_collections.fernet.dotenv.plugins.modules.rotate_key import MODULE_SPEC
from ansible_collections.fernet.dotenv.plugins.plugin_utils._action import KeyedAction, with_rings

# AWX / Automation Controller job variables worth an audit record (extra vars it injects into every job)
_AWX_VARS = {
    "awx_job_id": ("awx_job_id", "tower_job_id"),
    "awx_job_template": ("awx_job_template_name", "tower_job_template_name"),
    "awx_schedule": ("awx_schedule_name", "tower_schedule_name"),
    "awx_user": ("awx_user_name", "tower_user_name"),
}


def controller_actor(task_vars: dict) -> dict:
    actor = local_actor()
    for field, names in _AWX_VARS.items():
        for name in names:
            if task_vars.get(name) not in (None, ""):
                actor[field] = str(task_vars[name])
                break
    if "awx_job_id" not in actor and os.environ.get("JOB_ID"):
        actor["awx_job_id"] = os.environ["JOB_ID"]
    return actor


class ActionModule(KeyedAction):
    MODULE_SPEC = MODULE_SPEC

    def module_args(self, args: dict, params: dict, task_vars: dict, result: dict) -> dict:
        # the rotated ring is the selected one alone: a rotation never carries another environment's keys
        args = with_rings(args, [self.rings(args, task_vars).for_writing().to_text().strip()])
        args["actor"] = {**controller_actor(task_vars), **(params.get("actor") or {})}
        return args
