# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The one exception family the engine raises.

Every message is written to be shown to an operator as is: it names the object (a file, a line, a key id) and
never contains a key or a plaintext value. Adapters turn these into fail_json / AnsibleError in one place.
"""

from __future__ import annotations


class FernetDotenvError(Exception):
    """Base of every error the engine raises; str() is safe to print."""


class KeyNotFoundError(FernetDotenvError):
    """No key in any of the sources (option, key file, SECRETS_MASTER_KEY, SECRETS_MASTER_KEY_FILE)."""


class InvalidKeyError(FernetDotenvError):
    """A key that is not URL-safe base64 of 32 bytes."""


class WrongKeyError(FernetDotenvError):
    """No key of the ring wrote the file."""


class ChecksumMismatchError(FernetDotenvError):
    """A token, the MAC or the layout of an encrypted file is damaged."""


class EnvParseError(FernetDotenvError):
    """A .env line that cannot be parsed; the message starts with <path>:<line>:."""


class NotEncryptedError(FernetDotenvError):
    """A file that is neither a fernet.dotenv file nor a bare Fernet token."""


class AuditError(FernetDotenvError):
    """The audit trail cannot be read, written or locked."""


class LockTimeoutError(FernetDotenvError):
    """Another process holds a lock longer than the caller is willing to wait."""
