# -*- coding: utf-8 -*-
# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Private to the collection: not a public API, may change without notice.
"""Keys, key rings, fingerprints and kids, and where a key ring comes from.

A key is URL-safe base64 of 32 random bytes. A ring is one or more keys separated by commas, spaces or newlines;
the first (primary) encrypts, all decrypt. In ring text '#' starts a comment that runs to the end of the line (the
key archive notes each key's kid and retirement time that way). A fingerprint is "sha256:" + hex SHA-256 of the raw key bytes, and a
kid its first 16 hex digits: both may be printed, a key never is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re

from ansible_collections.fernet.dotenv.plugins.module_utils._errors import (
    InvalidKeyError,
    KeyNotFoundError,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._fernet import KEY_BYTES

ENV_KEY = "SECRETS_MASTER_KEY"
ENV_KEY_FILE = "SECRETS_MASTER_KEY_FILE"
_SEPARATORS = re.compile(r"[\s,]+")
_COMMENT = re.compile(r"#[^\n]*")
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}=?")
# Anything in a longer text that the key parser would take for a key, padded or not.
KEY_TEXT = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?:=|(?![A-Za-z0-9_=-]))")


def ring_parts(text: str) -> list[str]:
    """The key texts of a ring text, comments dropped (not yet checked to be keys)."""
    return [part for part in _SEPARATORS.split(_COMMENT.sub("", text)) if part]


def _ordinal(position: int) -> str:
    return f"key {position} of the ring"


class Key:
    """One Fernet key. repr() and str() show the kid only."""

    __slots__ = ("raw", "fingerprint", "kid")

    def __init__(self, raw: bytes) -> None:
        if len(raw) != KEY_BYTES:
            raise InvalidKeyError(f"Invalid Fernet key: a key must be {KEY_BYTES} bytes, not {len(raw)}")
        self.raw = raw
        self.fingerprint = "sha256:" + hashlib.sha256(raw).hexdigest()
        self.kid = self.fingerprint[7:23]

    @classmethod
    def from_text(cls, text: str, *, what: str = "the key") -> Key:
        """Parse a URL-safe base64 key; the message names the key by position, never by content."""
        if not _KEY_RE.fullmatch(text):
            raise InvalidKeyError(
                f"Invalid Fernet key: {what} is not URL-safe base64 of {KEY_BYTES} bytes "
                f"(a Fernet key is 44 characters ending in '=')"
            )
        try:
            raw = base64.urlsafe_b64decode(text if text.endswith("=") else text + "=")
        except (binascii.Error, ValueError):
            raise InvalidKeyError(f"Invalid Fernet key: {what} is not URL-safe base64") from None
        return cls(raw)

    @classmethod
    def generate(cls) -> Key:
        return cls(os.urandom(KEY_BYTES))

    def to_text(self) -> str:
        """The key itself, for writing a key file. Never log or return this."""
        return base64.urlsafe_b64encode(self.raw).decode("ascii")

    def __repr__(self) -> str:
        return f"Key(kid={self.kid})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)


class KeyRing:
    """An ordered, duplicate-free list of keys; the first is the primary."""

    __slots__ = ("keys", "source", "path")

    def __init__(self, keys: list[Key], *, source: str = "the key ring") -> None:
        unique: list[Key] = []
        for key in keys:
            if key not in unique:
                unique.append(key)
        if not unique:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {source} holds no key")
        self.keys = tuple(unique)
        self.source = source
        self.path: str | None = None  # the key file it was read from, if any

    @classmethod
    def from_text(cls, text: str, *, source: str = "the key ring") -> KeyRing:
        parts = ring_parts(text)
        if not parts:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {source} holds no key")
        keys = [
            Key.from_text(part, what=f"{_ordinal(n)} in {source}" if len(parts) > 1 else f"the key in {source}")
            for n, part in enumerate(parts, 1)
        ]
        return cls(keys, source=source)

    @classmethod
    def from_file(cls, path: str, *, what: str = "the master key file") -> KeyRing:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except FileNotFoundError:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {what} {path} does not exist") from None
        except IsADirectoryError:
            raise KeyNotFoundError(f"{ENV_KEY} not found: {what} {path} is a directory") from None
        except UnicodeDecodeError:
            raise InvalidKeyError(f"Invalid Fernet key: {what} {path} is not text") from None
        except OSError as exc:
            raise KeyNotFoundError(f"{ENV_KEY} not found: cannot read {what} {path}: {exc.strerror}") from None
        ring = cls.from_text(text, source=f"{what} {path}")
        ring.path = path
        return ring

    @classmethod
    def union(cls, *rings: KeyRing | None, source: str = "the key ring") -> KeyRing:
        """Every key of the given rings (None skipped), in order, each once."""
        return cls([key for ring in rings if ring is not None for key in ring.keys], source=source)

    @property
    def primary(self) -> Key:
        return self.keys[0]

    @property
    def fingerprints(self) -> list[str]:
        return [key.fingerprint for key in self.keys]

    @property
    def kids(self) -> list[str]:
        return [key.kid for key in self.keys]

    def find(self, kid: str) -> Key | None:
        for key in self.keys:
            if key.kid == kid:
                return key
        return None

    def find_fingerprint(self, fingerprint: str) -> Key | None:
        for key in self.keys:
            if key.fingerprint == fingerprint:
                return key
        return None

    def with_primary(self, key: Key) -> KeyRing:
        """A ring where key encrypts and every key of this ring still decrypts (the rotation ring new,old...)."""
        return KeyRing([key, *self.keys], source=self.source)

    def to_text(self) -> str:
        """The ring as written to a key file: keys separated by commas, primary first. Never log this."""
        return ",".join(key.to_text() for key in self.keys) + "\n"

    def __repr__(self) -> str:
        return f"KeyRing(kids={self.kids})"

    __str__ = __repr__


def resolve_key_ring(
    *,
    master_key: str | None = None,
    master_key_file: str | None = None,
    environ: dict[str, str] | None = None,
) -> KeyRing:
    """The key ring from the first source that is set: option, key file option, SECRETS_MASTER_KEY, then
    SECRETS_MASTER_KEY_FILE from environ (the controller's environment when called from a controller plugin)."""
    env = os.environ if environ is None else environ
    if master_key:
        return KeyRing.from_text(master_key, source="the master_key option")
    if master_key_file:
        return KeyRing.from_file(master_key_file)
    if env.get(ENV_KEY):
        return KeyRing.from_text(env[ENV_KEY], source=f"the environment variable {ENV_KEY}")
    if env.get(ENV_KEY_FILE):
        return KeyRing.from_file(env[ENV_KEY_FILE])
    raise KeyNotFoundError(
        f"{ENV_KEY} not found: set the master_key or master_key_file option, "
        f"or {ENV_KEY} or {ENV_KEY_FILE} in the controller's environment"
    )
