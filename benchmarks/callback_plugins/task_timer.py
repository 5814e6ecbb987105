# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark helper: record how long each task took (from its start to its last host result) as JSON Lines."""
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: task_timer
type: aggregate
short_description: Write task durations to the file named by FERNET_DOTENV_TASK_TIMES
description: For fernet.dotenv's benchmarks only.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._task = None
        self._started = 0.0

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task, self._started = task.get_name(), time.perf_counter()

    def _done(self, result):
        with open(os.environ["FERNET_DOTENV_TASK_TIMES"], "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"task": self._task, "seconds": time.perf_counter() - self._started}) + "\n")

    def v2_runner_on_ok(self, result):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result)
