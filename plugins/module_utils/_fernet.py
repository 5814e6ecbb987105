# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""The Fernet token layer: the only place in the collection where ciphertext is produced or opened.

Fernet (https://github.com/fernet/spec) is AES-128-CBC with PKCS7 padding, then HMAC-SHA256 over
version || timestamp || IV || ciphertext (encrypt-then-MAC). A 32-byte key is a 16-byte signing key followed by a
16-byte encryption key. Tokens are made and opened by cryptography's own Fernet - no crypto code of ours - behind
a strict shape check that cryptography does not make (URL-safe base64 only, no whitespace, no '+' or '/', nothing
after the padding), so that a token is either exactly one Fernet token or refused with a reason. The spec's
published vectors run through these functions in the unit tests.
"""

from __future__ import annotations

import base64
import re
import time
import traceback

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import FernetDotenvError

try:
    from cryptography.fernet import Fernet
    from cryptography.fernet import InvalidToken as _CryptographyInvalidToken
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

VERSION = 0x80
KEY_BYTES = 32
_HEADER_BYTES = 1 + 8 + 16
_MAC_BYTES = 32
_TOKEN_RE = re.compile(rb"[A-Za-z0-9_-]+={0,2}")
_VERSION_FIRST = ord("g")
_FERNETS: dict[bytes, Fernet] = {}


class InvalidToken(FernetDotenvError):
    """A token that is malformed, expired, or not made with this key. Says which, never what it holds."""


def require_cryptography() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise FernetDotenvError(
            "The Python library cryptography is required to encrypt or decrypt: "
            "install it on the host that runs this task (pip install cryptography)"
        )


def _fernet(key: bytes) -> Fernet:
    """One Fernet object per key for the life of the process (it holds the key schedule)."""
    fernet = _FERNETS.get(key)
    if fernet is None:
        require_cryptography()
        fernet = _FERNETS[key] = Fernet(base64.urlsafe_b64encode(key))
    return fernet


def encrypt(key: bytes, data: bytes) -> bytes:
    """The Fernet token of data under the 32-byte key."""
    return _fernet(key).encrypt(data)


def _check_shape(token: bytes) -> None:
    """Refuse, with the reason, what is not exactly one Fernet token - from its text alone (Fernet decodes it)."""
    if not _TOKEN_RE.fullmatch(token) or len(token) % 4:
        raise InvalidToken("the token is not URL-safe base64")
    size = len(token) // 4 * 3 - len(token) + len(token.rstrip(b"="))
    if size < _HEADER_BYTES + 16 + _MAC_BYTES:
        raise InvalidToken("the token is too short")
    # the version byte 0x80 is the first 8 bits: 'g' (100000) and a second character from A to P (00xxxx)
    if token[0] != _VERSION_FIRST or not 65 <= token[1] <= 80:
        raise InvalidToken("the token is not a Fernet version 0x80 token")
    if (size - _HEADER_BYTES - _MAC_BYTES) % 16:
        raise InvalidToken("the token's payload is not a whole number of AES blocks")


def looks_like_token(text: bytes) -> bool:
    """True when text is shaped like one Fernet token (cheap; says nothing about the key)."""
    return bool(_TOKEN_RE.fullmatch(text)) and text.startswith(b"gAAAAA")


def verify_mac(key: bytes, token: bytes) -> bool:
    """True when the token's HMAC verifies under key: it was made with this key and is intact."""
    try:
        _check_shape(token)
        _fernet(key).extract_timestamp(token)
    except (InvalidToken, _CryptographyInvalidToken):
        return False
    return True


def decrypt(key: bytes, token: bytes, *, ttl: int | None = None, now: int | None = None) -> bytes:
    """The plaintext of a Fernet token, or InvalidToken saying what is wrong with it. With ttl, the token must be
    at most ttl seconds old at now (and not from the future beyond the spec's clock skew)."""
    _check_shape(token)
    fernet = _fernet(key)
    try:
        if ttl is None:
            return fernet.decrypt(token)
        return fernet.decrypt_at_time(token, ttl, int(time.time()) if now is None else now)
    except _CryptographyInvalidToken:
        if ttl is not None and verify_mac(key, token):
            raise InvalidToken("the token has expired, or is dated in the future") from None
        raise InvalidToken("the token does not verify: it is damaged, or made with another key") from None
