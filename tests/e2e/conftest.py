# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the end-to-end tests; the helpers live in harness.py (and, for key custody, in the unit tests'
custody.py, so that both levels check the same invariant with the same code)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).resolve().parents[1] / "unit" / "plugins" / "module_utils"))

from harness import sshd_session  # noqa: E402


@pytest.fixture(scope="session")
def ssh_host(tmp_path_factory):
    yield from sshd_session(tmp_path_factory)
