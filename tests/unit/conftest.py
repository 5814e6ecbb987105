# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI=true runs more examples than a developer's quick run; both are deterministic per seed. The "matrix" profile
# is for the runs on the other ansible-core versions, which show that the tests work there rather than search
# again (FERNET_DOTENV_HYPOTHESIS=matrix; tests with their own example counts scale them, see strategies.examples).
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("matrix", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("FERNET_DOTENV_HYPOTHESIS") or ("ci" if os.environ.get("CI") else "dev"))
