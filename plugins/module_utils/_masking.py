# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Which variable names are sensitive, and how a value is shown when it must be shown at all."""

from __future__ import annotations

import re
from collections.abc import Iterable

SENSITIVE_NAMES = frozenset(
    [
        "DJANGO_SECRET_KEY", "DB_SUPERUSER_PASSWORD", "APP_DB_PASSWORD", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID",
        "GOLDAPI_KEY", "METALS_API_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "BACKUP_ENCRYPTION_KEY",
        "SECRETS_MASTER_KEY", "GRAFANA_ADMIN_PASSWORD", "AWS_SECRET_ACCESS_KEY", "CLOUDFLARE_R2_SECRET_KEY",
        "BACKBLAZE_B2_APPLICATION_KEY",
    ]
)
SENSITIVE_PATTERNS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE", "CREDENTIAL", "API_KEY", "_KEY$", "DSN",
                      "DATABASE_URL")
FULL_MASK = "****"


def is_sensitive(
    name: str,
    *,
    sensitive_keys: Iterable[str] = (),
    patterns: Iterable[str] = (),
) -> bool:
    """True when name is a built-in or user-given sensitive name, or matches a pattern (case-insensitive)."""
    upper = name.upper()
    if upper in SENSITIVE_NAMES or upper in {key.upper() for key in sensitive_keys}:
        return True
    return any(re.search(pattern, name, re.IGNORECASE) for pattern in (*SENSITIVE_PATTERNS, *patterns))


def mask(value: object, *, visible: int = 4) -> str:
    """First and last `visible` characters around '...'; a value shorter than 3 x visible becomes '****' whole."""
    text = "" if value is None else str(value)
    if visible <= 0 or len(text) < 3 * visible:
        return FULL_MASK
    return f"{text[:visible]}...{text[-visible:]}"
