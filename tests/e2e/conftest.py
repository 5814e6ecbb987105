# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the end-to-end tests; the helpers live in harness.py."""
from __future__ import annotations

import pytest
from harness import sshd_session


@pytest.fixture(scope="session")
def ssh_host(tmp_path_factory):
    yield from sshd_session(tmp_path_factory)
