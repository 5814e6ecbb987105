# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The merge driver, the textconv and the guard's checks, without git (tests/e2e/test_git_workflow.py runs them
through real git)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import env_texts, examples

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import WrongKeyError
from ansible_collections.fernet.dotenv.plugins.module_utils._formats import EncryptedEnv, decrypt, encrypt, names_in_clear, reencrypt
from ansible_collections.fernet.dotenv.plugins.module_utils._git import (
    DEFAULT_PLAINTEXT_PATTERNS,
    LAYOUT_CONFLICT,
    PathPatterns,
    check_encrypted,
    describe,
    merge_documents,
    merge_files,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._keyring import Key, KeyRing, KeyRings, KeySources

OLD, NEW = Key.generate(), Key.generate()


def rings(*keys: Key) -> KeyRings:
    return KeyRings(KeySources(environ={"SECRETS_MASTER_KEY": ",".join(key.to_text() for key in keys)}))


def merged(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    document, conflicts = merge_documents(*(EnvDocument.parse(text) for text in (base, ours, theirs)))
    return document.text, conflicts


def edited(text: str, **changes: str | None) -> str:
    document = EnvDocument.parse(text)
    for name, value in changes.items():
        if value is None:
            document.remove(name)
        else:
            document.set(name, value)
    return document.text


@settings(max_examples=examples(300))
@given(env_texts(), env_texts())
def test_a_side_that_changed_nothing_takes_the_other_byte_for_byte(base: str, other: str) -> None:
    assert merged(base, base, other) == (other, [])
    assert merged(base, other, base) == (other, [])
    assert merged(base, other, other) == (other, [])


@settings(max_examples=examples(300))
@given(env_texts(), st.data())
def test_edits_of_different_variables_merge_to_both(base: str, data: st.DataObject) -> None:
    names = sorted({entry.name for entry in EnvDocument.parse(base).bindings if entry.name != "export"})
    mine = data.draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    rest = [name for name in names if name not in mine]
    others = data.draw(st.lists(st.sampled_from(rest), unique=True)) if rest else []
    change = st.one_of(st.none(), st.text("abc xyz#'\"=\n", max_size=8))
    ours = {name: data.draw(change) for name in mine}
    ours.update({f"ADDED_BY_US_{n}": data.draw(st.text("ab", max_size=3)) for n in range(data.draw(st.integers(0, 2)))})
    theirs = {name: data.draw(change) for name in others}
    theirs.update({f"ADDED_BY_THEM_{n}": "x" for n in range(data.draw(st.integers(0, 2)))})
    text, conflicts = merged(base, edited(base, **ours), edited(base, **theirs))
    assert conflicts == []
    expected = EnvDocument.parse(edited(edited(base, **ours), **theirs)).as_dict()
    assert EnvDocument.parse(text).as_dict() == expected


@settings(max_examples=examples(200))
@given(env_texts(), st.data())
def test_a_variable_both_sides_set_differently_is_named_and_keeps_ours(base: str, data: st.DataObject) -> None:
    names = sorted({entry.name for entry in names_in_clear(EnvDocument.parse(base)) if entry.name != "export"})
    name = data.draw(st.sampled_from(names)) if names else "NEW_ON_BOTH_SIDES"
    text, conflicts = merged(base, edited(base, **{name: "ours"}), edited(base, **{name: "theirs"}))
    assert name in conflicts
    assert EnvDocument.parse(text).as_dict()[name] == "ours"


def test_both_sides_adding_at_the_end_keep_both_ours_first() -> None:
    assert merged("A=1\n", "A=1\nB=2\n", "A=1\nC=3\n") == ("A=1\nB=2\nC=3\n", [])
    # a last line without a line end gets one before what comes after it
    assert merged("A=1", "A=1\nB=2", "A=1\nC=3") == ("A=1\nB=2\nC=3", [])
    assert merged("A=1\r\n", "A=1\r\nB=2\r\n", "A=1\r\n\r\n# c\r\nC=3\r\n") == ("A=1\r\nB=2\r\n\r\n# c\r\nC=3\r\n", [])


def test_neighbouring_edits_merge() -> None:
    # one side removes B, the other adds C right after it, and changes A's layout
    assert merged("A=1\nB=2\n", "A=1\nB=2\nC=3\n", "export A=1\n") == ("export A=1\nC=3\n", [])
    # a value changed on one side, export added on the other: both
    assert merged("A=1\n", "A=2\n", "export A=1\n") == ("export A=2\n", [])


def test_conflicts_are_named_and_keep_ours() -> None:
    assert merged("A=1\nB=1\n", "A=2\nB=1\n", "A=3\nB=2\n") == ("A=2\nB=2\n", ["A"])
    # changed here, removed there (and the other way round)
    assert merged("A=1\nB=1\n", "A=2\nB=1\n", "B=1\n") == ("A=2\nB=1\n", ["A"])
    assert merged("A=1\nB=1\n", "B=1\n", "A=2\nB=1\n") == ("B=1\n", ["A"])
    # added on both sides with different values
    assert merged("", "A=1\n", "A=2\n") == ("A=1\n", ["A"])
    # the same comment rewritten twice
    text, conflicts = merged("# c\nA=1\n", "# mine\nA=1\n", "# theirs\nA=2\n")
    assert (text, conflicts) == ("# mine\nA=2\n", [LAYOUT_CONFLICT])


def test_duplicates_and_multi_line_values_merge_as_units() -> None:
    base = 'A=1\nA=2\nPEM="-----BEGIN-----\nabc\n-----END-----"\n'
    ours = base.replace("A=2", "A=9")
    theirs = base.replace("abc", "xyz")
    assert merged(base, ours, theirs) == ('A=1\nA=9\nPEM="-----BEGIN-----\nxyz\n-----END-----"\n', [])


def test_a_name_that_may_be_a_piece_of_a_value_is_never_named() -> None:
    # python-dotenv reads each line of an unquoted multi-line value as a name: such lines merge as layout
    base = "KEY=-----BEGIN\nMIIBbase\n-----END\nA=1\n"
    text, conflicts = merged(base, base.replace("MIIBbase", "MIIBours"), base.replace("MIIBbase", "MIIBtheirs"))
    assert conflicts == [LAYOUT_CONFLICT] and "MIIB" not in " ".join(conflicts)
    assert merged(base, base.replace("MIIBbase", "MIIBours"), base.replace("A=1", "A=2")) == (
        "KEY=-----BEGIN\nMIIBours\n-----END\nA=2\n", [])


def test_merge_files_recomputes_the_mac_and_keeps_both_sides_tokens() -> None:
    ring = KeyRing([OLD])
    base = encrypt(EnvDocument.parse("A=1\nB=1\nC=1\n"), ring)
    ours = encrypt(EnvDocument.parse("A=2\nB=1\nC=1\n"), ring, previous=decrypt(base, ring))
    theirs = encrypt(EnvDocument.parse("A=1\nB=1\nC=2\n"), ring, previous=decrypt(base, ring))
    result = merge_files(base, ours, theirs, rings(OLD), path="app.env.encrypted")
    assert result.conflicts == []
    assert decrypt(result.data, ring).text == "A=2\nB=1\nC=2\n"
    lines = result.data.decode().splitlines()
    assert lines[1] == ours.decode().splitlines()[1] and lines[3] == theirs.decode().splitlines()[3]
    assert lines[2] == base.decode().splitlines()[2]
    # one side took the other's change: the result is that side's file as it is
    assert merge_files(base, ours, ours, rings(OLD), path="x").data == ours
    # both added the file: no base
    assert merge_files(b"", ours, theirs, rings(OLD), path="x").conflicts == ["A", "C"]


def test_merging_across_a_rotation_writes_with_the_newer_key_either_way() -> None:
    base = encrypt(EnvDocument.parse("A=1\nB=1\n"), KeyRing([OLD]))
    branch = encrypt(EnvDocument.parse("A=1\nB=2\n"), KeyRing([OLD]))
    rotated = encrypt(EnvDocument.parse("A=2\nB=1\n"), KeyRing([NEW]))
    for ours, theirs in ((rotated, branch), (branch, rotated)):
        result = merge_files(base, ours, theirs, rings(NEW, OLD), path="x")
        assert EncryptedEnv.parse(result.data).kid == NEW.kid
        assert decrypt(result.data, KeyRing([NEW])).text == "A=2\nB=2\n"
    with pytest.raises(WrongKeyError, match=f"Invalid encryption key or corrupted file .file kid {OLD.kid}"):
        merge_files(base, rotated, branch, rings(NEW), path="x")


def test_describe_shows_names_and_markers_never_a_value() -> None:
    secret = "v-hunter2-correct-horse"
    text = f"# keep {secret} out\nTOKEN={secret}\nexport OTHER='{secret}'\nPEM=\"-----BEGIN-----\nMIIB{secret}\n\"\n"
    text += f"{secret}=\n"  # what python-dotenv reads as a name of its own: never shown
    data = encrypt(EnvDocument.parse(text), KeyRing([OLD]))
    view = describe(data, rings(OLD), path="x")
    assert secret not in view and "gAAAAA" not in view
    assert [line.split()[0] for line in view.splitlines()] == ["#", "TOKEN", "OTHER", "PEM", "#"]
    # the same value shows the same marker in another version and under a ring that also holds a newer key
    again = encrypt(EnvDocument.parse(text.replace("OTHER='", "OTHER='x")), KeyRing([OLD]))
    assert describe(again, rings(OLD), path="x").splitlines()[1] == view.splitlines()[1]
    assert describe(again, rings(OLD), path="x").splitlines()[2] != view.splitlines()[2]
    rotated = reencrypt(decrypt(data, KeyRing([OLD])), KeyRing([NEW]))
    assert describe(rotated, rings(NEW, OLD), path="x").splitlines()[1:] == describe(data, rings(NEW, OLD), path="x").splitlines()[1:]
    # no key: names and digests of tokens, no key for the kid said out loud
    keyless = describe(data, None, path="x")
    assert f"kid {OLD.kid} (no key for it here" in keyless and "TOKEN  [token " in keyless and secret not in keyless
    assert describe(data, rings(NEW), path="x") == keyless
    # not encrypted at all: nothing of it
    plain = describe(f"TOKEN={secret}\n".encode(), rings(OLD), path="x")
    assert plain == "# x: not an encrypted .env file (its content is not shown)\n"
    whole = describe(encrypt(EnvDocument.parse(text), KeyRing([OLD]), format="whole"), None, path="x")
    assert "names are encrypted too" in whole and secret not in whole


def test_check_encrypted() -> None:
    data = encrypt(EnvDocument.parse("A=1\nB=2\n"), KeyRing([OLD]))
    assert check_encrypted(data, rings(OLD), path="x").verified
    lines = data.decode().splitlines(keepends=True)
    swapped = "".join([lines[0], "A=" + lines[2].split("=", 1)[1], "B=" + lines[1].split("=", 1)[1], *lines[3:]])
    assert "Checksum mismatch" in check_encrypted(swapped.encode(), rings(OLD), path="x").problem
    # no key for it: shape only, which a swap passes and a broken line does not
    verdict = check_encrypted(swapped.encode(), rings(NEW), path="x")
    assert verdict.problem is None and not verdict.verified
    assert check_encrypted(swapped.encode(), None, path="x").problem is None
    broken = data.replace(b"\nA=gAAAAA", b"\nA=!AAAAA")
    assert "a variable line is malformed" in check_encrypted(broken, None, path="x").problem
    assert "@mac lines" in check_encrypted(data.replace(b"@mac=", b"@mac=zz"), None, path="x").problem
    assert "not an encrypted .env file" in check_encrypted(b"A=1\n", None, path="x").problem
    conflicted = b"<<<<<<< ours\n" + data + b"=======\n" + data + b">>>>>>> theirs\n"
    assert check_encrypted(conflicted, None, path="x").problem
    whole = encrypt(EnvDocument.parse("A=1\n"), KeyRing([OLD]), format="whole")
    assert check_encrypted(whole, None, path="x").problem is None
    assert "checksum in the header" in check_encrypted(whole[:-5] + b"AAAA\n", None, path="x").problem


@pytest.mark.parametrize("patterns, path, refused", [
    (DEFAULT_PLAINTEXT_PATTERNS, ".env", True),
    (DEFAULT_PLAINTEXT_PATTERNS, "services/api/.env", True),
    (DEFAULT_PLAINTEXT_PATTERNS, ".env.local", True),
    (DEFAULT_PLAINTEXT_PATTERNS, "web/.env.production.local", True),
    (DEFAULT_PLAINTEXT_PATTERNS, ".env.secrets", True),
    (DEFAULT_PLAINTEXT_PATTERNS, ".env.example", False),
    (DEFAULT_PLAINTEXT_PATTERNS, ".env.encrypted", False),
    (DEFAULT_PLAINTEXT_PATTERNS, "app.env.encrypted", False),
    (DEFAULT_PLAINTEXT_PATTERNS, "docs/env.md", False),
    (["*.env", "!public.env"], "a/prod.env", True),
    (["*.env", "!public.env"], "a/public.env", False),
    (["/config/*.env"], "config/x.env", True),
    (["/config/*.env"], "app/config/x.env", False),
    (["secrets/"], "deploy/secrets/db.txt", True),
    (["secrets/"], "secrets", False),
    (["**/private/*.txt"], "a/b/private/k.txt", True),
    (["**/private/*.txt"], "private/k.txt", True),
    (["# a comment", "", "?.env"], "x.env", True),
])
def test_plaintext_patterns_read_like_gitignore(patterns, path, refused) -> None:
    assert PathPatterns(patterns).matches(path) is refused
