# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hypothesis strategies for .env texts: well-formed ones built line by line, and raw noise for the parser."""
from __future__ import annotations

import os

from hypothesis import strategies as st


def examples(count: int) -> int:
    """A test's own example count, cut to a tenth under the "matrix" profile (see conftest.py)."""
    return max(10, count // 10) if os.environ.get("FERNET_DOTENV_HYPOTHESIS") == "matrix" else count


_NAME_FIRST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcxyz"
_NAME_REST = _NAME_FIRST + "0123456789.-"
NAMES = st.builds(lambda a, b: a + b, st.sampled_from(_NAME_FIRST), st.text(_NAME_REST, max_size=12))
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
_SPACE = st.sampled_from(["", " ", "  ", "\t"])
NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def values(draw: st.DrawFn) -> str:
    """A raw value as someone would write it: bare, single quoted, double quoted with escapes, or empty."""
    kind = draw(st.sampled_from(["bare", "single", "double", "empty", "escapes"]))
    if kind == "bare":
        return draw(st.text(st.characters(blacklist_characters="\r\n\"' #", blacklist_categories=("Cs",)), max_size=20))
    if kind == "single":
        body = draw(st.text(st.characters(blacklist_characters="'\\", blacklist_categories=("Cs",)), max_size=20))
        return f"'{body}'"
    if kind == "double":
        body = draw(st.text(st.characters(blacklist_characters='"\\', blacklist_categories=("Cs",)), max_size=20))
        return f'"{body}"'
    if kind == "escapes":
        parts = draw(st.lists(st.sampled_from(["\\n", "\\t", '\\"', "\\\\", "\\'", "x", "\\q", "$", "${HOME}"]), max_size=6))
        return '"' + "".join(parts) + '"'
    return ""


@st.composite
def lines(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["binding", "binding", "binding", "comment", "blank", "bare_name"]))
    if kind == "comment":
        return draw(_SPACE) + "#" + draw(st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=20))
    if kind == "blank":
        return draw(_SPACE)
    export = draw(st.sampled_from(["", "export "]))
    name = draw(NAMES)
    if kind == "bare_name":
        return f"{draw(_SPACE)}{export}{name}{draw(_SPACE)}"
    value = draw(values())
    comment = draw(st.sampled_from(["", " # note", "  #x"]))
    return f"{draw(_SPACE)}{export}{name}{draw(_SPACE)}={draw(_SPACE)}{value}{comment}"


@st.composite
def env_texts(draw: st.DrawFn) -> str:
    """A .env text built from well-formed lines, with mixed line endings, an optional BOM and final newline."""
    body = draw(st.lists(lines(), max_size=12))
    text = ""
    for line in body:
        text += line + draw(NEWLINES)
    if body and draw(st.booleans()):
        text = text.rstrip("\r\n")
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return text


# Noise that exercises the parser's edges: quotes, escapes, '=', '#', export and every kind of line break.
noise = st.lists(st.sampled_from(list("AB=#'\"\\ \t\r\nx") + ["export ", "é", "\u2028"]), max_size=40).map("".join)
