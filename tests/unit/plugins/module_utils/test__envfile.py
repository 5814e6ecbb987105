# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import io
import os
import re
import tempfile

import pytest
from dotenv import dotenv_values
from dotenv.parser import parse_stream
from hypothesis import example, given
from hypothesis import strategies as st
from strategies import NAMES, env_texts, noise

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import (
    EnvDocument,
    decode_value,
    encode_value,
    inline_comment_start,
)
from ansible_collections.fernet.dotenv.plugins.module_utils._errors import EnvParseError, FernetDotenvError


def reference(text: str) -> dict | None:
    """python-dotenv's reading of text stored as a file, or None when it warns about a line."""
    fd, path = tempfile.mkstemp(suffix=".env")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
        with open(path, encoding="utf-8") as handle:
            if any(binding.error for binding in parse_stream(handle)):
                return None
        return dict(dotenv_values(path, interpolate=False))
    finally:
        os.unlink(path)


def ours(text: str) -> dict | None:
    try:
        return EnvDocument.parse(text, path="t.env").as_dict()
    except EnvParseError:
        return None


CORPUS = {
    "plain": "A=1\nB=two\n",
    "export": "export A=1\nexport  B = spaced \n",
    "export as a name": "export=1\nexport\n",
    "single quotes are literal but for \\\\ and \\'": "A='x $y \\n'\nB='it\\'s'\nC='back\\\\slash'\n",
    "double quote escapes": 'A="tab\\tnl\\nq\\"bs\\\\"\nB="\\a\\b\\f\\r\\v"\nC="\\x unknown kept"\n',
    "multi-line double": 'A="line one\nline two"\nB=after\n',
    "multi-line single": "A='one\ntwo'\n",
    "inline comments": "A=value # comment\nB=value#not-a-comment\nC='quoted' # comment\nD= # only comment\n",
    "hash values": "A=#novalue\nB='#x'\nC=\"#y\"\n",
    "empty values": "A=\nB=''\nC=\"\"\nD= \n",
    "name without =": "A\nB # comment\nexport C\n",
    "crlf": "A=1\r\nB='x'\r\nC=\"multi\r\nline\"\r\n",
    "cr only": "A=1\rB=2\r",
    "utf-8": "NAME=Grüße\nEMOJI='🔑'\nKANJI=\"鍵\"\n",
    "bom": "\ufeffA=1\n",
    "interpolation kept": "A=${HOME}/x\nB=\"$USER\"\n",
    "duplicates, last wins": "A=1\nB=2\nA=3\n",
    "quoted name": "'spaced name'=v\n",
    "quoted name across a CRLF": "'two\r\nlines'=v\r\n",
    "comment and blank lines": "# header\n\n\n   # indented\nA=1\n\n",
    "no final newline": "A=1\nB='x'",
    "trailing spaces": "A=x   \nB='y'   \n",
    "tabs": "\tA\t=\tx\t#c\n",
    "equals in value": "URL=postgres://u:p@h/db?a=b\n",
    "only whitespace": "  \n\t\n",
    "empty": "",
    "unicode line separator in value": "A=x\u2028y\n",
}


@pytest.mark.parametrize("text", CORPUS.values(), ids=list(CORPUS))
def test_corpus_matches_python_dotenv_and_round_trips(text: str) -> None:
    expected = reference(text)
    assert expected is not None, "corpus entries are texts python-dotenv reads without warnings"
    doc = EnvDocument.parse(text)
    assert doc.as_dict() == expected
    assert doc.text == text


INTERPOLATION = {
    "earlier binding": "HOST=db\nURL=postgres://${HOST}/app\n",
    "later binding is not seen yet": "URL=${LATER}\nLATER=x\n",
    "duplicate: the binding so far": "A=1\nB=${A}\nA=2\nC=${A}\n",
    "defaults": "A=${MISSING:-fallback}\nB=${MISSING:-}\nC=${MISSING}\nD=${A:-unused}\n",
    "environment": "A=${FERNET_DOTENV_TEST_ENV}\nB=${FERNET_DOTENV_TEST_ENV:-d}\nC=${FERNET_DOTENV_TEST_EMPTY:-d}\n",
    "inside single quotes too": "A=x\nB='${A}'\nC=\"${A}\"\n",
    "no braces, no expansion": "A=x\nB=$A\nC=\\${A}\n",
    "a name without =": "A\nB=${A}-${A:-d}\n",
    "odd references": "A=${}\nB=${:-d}\nC=${A\nD=${A:-x}y}\nE=$${A}\n",
    "self reference": "A=${A}x\n",
}


@pytest.mark.parametrize("text", [*CORPUS.values(), *INTERPOLATION.values()],
                         ids=[*CORPUS, *(f"interpolate: {name}" for name in INTERPOLATION)])
def test_interpolation_matches_dotenv_values(text: str, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FERNET_DOTENV_TEST_ENV", "from-env")
    monkeypatch.setenv("FERNET_DOTENV_TEST_EMPTY", "")
    path = tmp_path / "t.env"
    path.write_bytes(text.encode("utf-8"))
    assert EnvDocument.parse(text).interpolated(os.environ) == dict(dotenv_values(path, interpolate=True))


@given(env_texts())
def test_generated_texts_match_python_dotenv(text: str) -> None:
    expected = reference(text)
    if expected is None:
        assert ours(text) is None
    else:
        assert ours(text) == expected
        assert EnvDocument.parse(text).text == text


@given(noise)
def test_parser_accepts_exactly_what_python_dotenv_accepts(text: str) -> None:
    assert ours(text) == reference(text)


@given(noise)
def test_round_trip_is_byte_exact_on_any_accepted_text(text: str) -> None:
    try:
        doc = EnvDocument.parse(text)
    except EnvParseError:
        return
    assert doc.text == text
    assert EnvDocument.from_bytes(text.encode("utf-8")).to_bytes() == text.encode("utf-8")


BAD = {
    "unterminated double": ('A=1\nSECRET="s3cr3t-value\n', 2),
    "unterminated single": ("SECRET='s3cr3t-value\n", 1),
    "text after quote": ("\n\nSECRET='s3cr3t'-value\n", 3),
    "no name": ("=s3cr3t-value\n", 1),
    # a line that starts with a secret: python-dotenv reads its first word as a name
    "secret as a name, text after it": ("A=1\ns3cr3t_live_51Hx 'x\n", 2),
    "secret as a name, unterminated quote": ("s3cr3t_live_51Hx='abc\n", 1),
    "secret as a quoted name": ("'s3cr3t name' x\n", 1),
}


@pytest.mark.parametrize("text,line", BAD.values(), ids=list(BAD))
def test_parse_errors_name_path_and_line_never_any_text_of_the_line(text: str, line: int) -> None:
    with pytest.raises(EnvParseError) as info:
        EnvDocument.parse(text, path="app/.env")
    message = str(info.value)
    assert message.startswith(f"app/.env:{line}: ")
    assert "s3cr3t" not in message and "51Hx" not in message
    assert reference(text) is None


def test_invalid_utf8_is_a_parse_error_with_line() -> None:
    with pytest.raises(EnvParseError, match=r"^x.env:2: not valid UTF-8"):
        EnvDocument.from_bytes(b"A=1\nB=\xff\n", path="x.env")


@given(st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)))))
def test_encode_value_reads_back(value: str | None) -> None:
    assert decode_value(encode_value(value)) == value
    doc = EnvDocument.parse("# keep me\nA=old # note\n")
    doc.set("A", value)
    doc.set("NEW", value)
    again = EnvDocument.parse(doc.text)
    assert again.as_dict() == {"A": value, "NEW": value}
    assert again.text.startswith("# keep me\n")
    assert reference(doc.text) == {"A": value, "NEW": value}


@given(env_texts(), NAMES, st.text(st.characters(blacklist_categories=("Cs",)), max_size=20))
@example(text="\ufeffB= # note\n", name="B", value="0")  # an empty value before a comment, then a bare one
def test_set_and_remove_touch_only_that_name(text: str, name: str, value: str) -> None:
    doc = EnvDocument.parse(text)
    before = doc.as_dict()
    doc.set(name, value)
    after = EnvDocument.parse(doc.text).as_dict()
    assert after == {**before, name: value}
    doc.remove(name)
    before.pop(name, None)
    assert EnvDocument.parse(doc.text).as_dict() == before


def test_set_keeps_layout_and_reports_change() -> None:
    doc = EnvDocument.parse("export A=1 # why\r\nB='x'\r\n")
    assert doc.set("A", "1") is False
    assert doc.set("A", "two words") is True
    assert doc.text == "export A='two words' # why\r\nB='x'\r\n"
    assert doc.set("C", "3") is True
    assert doc.text.endswith("B='x'\r\nC=3\r\n")
    assert doc.remove("B") is True and doc.remove("B") is False
    assert doc.names == ["A", "C"]


def test_set_refuses_unusable_names() -> None:
    doc = EnvDocument([])
    for name in ["", "A B", "A=B", "#A", "'A'", "export"]:
        with pytest.raises(FernetDotenvError, match="not a usable variable name"):
            doc.set(name, "x")


def test_from_dict_round_trips() -> None:
    values = {"A": "1", "B": "two words", "C": None, "D": "multi\nline", "E": ""}
    assert EnvDocument.parse(EnvDocument.from_dict(values).text).as_dict() == values


def test_stream_reference_agrees_with_file_reference() -> None:
    # guards the helper: python-dotenv reading a stream (no newline translation) differs only on CR
    text = "A=1\nB='x'\n"
    assert dict(dotenv_values(stream=io.StringIO(text), interpolate=False)) == reference(text)


ADVERSARIAL = [
    "A=x" + " " * 5000 + "y\n",
    "A=x" + " \t" * 3000 + "\n",
    "A=" + "\t" * 4000 + "#\n",
    "A=x" + " " * 4000 + "#c" + " " * 4000 + "#d\n",
    "A=" + "\\'" * 3000 + "\n",
    'A="' + '\\"' * 3000 + '"\n',
    "A=" + "# " * 3000 + "\n",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_long_runs_of_spaces_quotes_and_hashes_read_as_python_dotenv_reads_them(text: str) -> None:
    """Correctness on the adversarial lines the parser benchmark times at 1 MB (benchmarks/bench_parser.py)."""
    assert EnvDocument.parse(text).as_dict() == reference(text)
    assert EnvDocument.parse(text).text == text


@given(st.text(st.sampled_from(" \t\u000b\u00a0#ab="), max_size=16))
def test_inline_comments_are_cut_where_python_dotenvs_regex_cuts_them(raw: str) -> None:
    match = re.search(r"\s+#.*", raw)
    assert inline_comment_start(raw) == (match.start() if match else None)


def test_interpolation_never_takes_a_master_key_from_the_environment() -> None:
    # a staging file must not pull the controller's prod ring into a value: SECRETS_MASTER_KEY* count as unset
    text = "A=${SECRETS_MASTER_KEY_PROD:-unset}\nB=${SECRETS_MASTER_KEY}\nC=${SECRETS_MASTER_KEY_FILE:-x}\nD=${HOME_X:-d}\n"
    environ = {"SECRETS_MASTER_KEY_PROD": "ring", "SECRETS_MASTER_KEY": "ring", "SECRETS_MASTER_KEY_FILE": "/k",
               "HOME_X": "h"}
    assert EnvDocument.parse(text).interpolated(environ) == {"A": "unset", "B": "", "C": "x", "D": "h"}
