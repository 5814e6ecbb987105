# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.fernet.dotenv.plugins.filter.fingerprint import fingerprint
from ansible_collections.fernet.dotenv.plugins.filter.mask import mask
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key
from ansible_collections.fernet.dotenv.plugins.test.sensitive import sensitive


def test_the_seed_examples() -> None:
    assert mask("my-secret-key-12345") == "my-s...2345"
    settings = {"DEBUG": "false", "DJANGO_SECRET_KEY": "x7Gq2mB0pL8sT4vN9aZk"}
    assert mask(settings) == {"DEBUG": "false", "DJANGO_SECRET_KEY": "x7Gq...9aZk"}
    assert mask("hunter2") == "****"
    assert mask("abcdefghijk") == "****" and mask("abcdefghijkl") == "abcd...ijkl"


def test_key_option_and_nesting() -> None:
    assert mask("db.internal.example", "HOSTNAME") == "db.internal.example"
    assert mask("s3cr3t-value-long", key="DB_PASSWORD") == "s3cr...long"
    nested = {"app": {"API_KEY": "0123456789abcdef", "PORT": 8080}, "TOKENS": ["aaaaaaaaaaaaaaaa", None]}
    assert mask(nested) == {"app": {"API_KEY": "0123...cdef", "PORT": 8080}, "TOKENS": ["aaaa...aaaa", None]}
    assert mask(None) is None
    assert mask("0123456789abcdef", visible=2) == "01...ef"
    assert mask("0123456789abcdef", visible=0) == "****"


def test_user_extensions() -> None:
    env = {"STRIPE_SK": "sk_live_0123456789", "VAULT_ADDR": "https://vault.example", "HOME": "/root/home/dir"}
    assert mask(env, sensitive_keys=["stripe_sk"], patterns=["^VAULT_"]) == {
        "STRIPE_SK": "sk_l...6789", "VAULT_ADDR": "http...mple", "HOME": "/root/home/dir"}


@given(st.text(min_size=12, max_size=200))
def test_a_masked_long_string_never_contains_its_middle(value: str) -> None:
    masked = mask(value)
    assert masked == f"{value[:4]}...{value[-4:]}"
    if len(value) > 8:
        assert value not in masked


def test_bad_options_are_clear() -> None:
    with pytest.raises(AnsibleFilterError, match="visible"):
        mask("x", visible=-1)
    with pytest.raises(AnsibleFilterError, match="sensitive_keys must be a list"):
        mask("x", sensitive_keys="DB")


@pytest.mark.parametrize("name,expected", [
    ("DB_PASSWORD", True), ("db_passwd", True), ("STRIPE_SECRET_KEY", True), ("TWILIO_ACCOUNT_SID", True),
    ("GITHUB_TOKEN", True), ("SSH_PRIVATE", True), ("GCP_CREDENTIALS", True), ("MAPS_API_KEY", True),
    ("SIGNING_KEY", True), ("SENTRY_DSN", True), ("DATABASE_URL", True), ("GOLDAPI_KEY", True),
    ("DEBUG", False), ("KEYBOARD", False), ("HOSTNAME", False), ("KEY_ID", False), ("PORT", False),
])
def test_sensitive_names(name: str, expected: bool) -> None:
    assert sensitive(name) is expected


def test_sensitive_extensions_and_errors() -> None:
    assert sensitive("VAULT_ADDR", patterns=["^VAULT_"])
    assert sensitive("stripe_sk", sensitive_keys=["STRIPE_SK"])
    with pytest.raises(AnsibleFilterError, match="expected a variable name"):
        sensitive(42)


def test_fingerprint_of_key_ring_and_list() -> None:
    a, b = Key.generate(), Key.generate()
    assert fingerprint(a.to_text()) == a.fingerprint
    assert fingerprint(f"{a.to_text()},{b.to_text()}") == [a.fingerprint, b.fingerprint]
    assert fingerprint([a.to_text()]) == [a.fingerprint]
    with pytest.raises(AnsibleFilterError, match="Invalid Fernet key") as info:
        fingerprint("not-a-key")
    assert "not-a-key" not in str(info.value)
    with pytest.raises(AnsibleFilterError, match="expected a key"):
        fingerprint(42)
