# Copyright (c) 2026, fernet.dotenv contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Parser benchmark: adversarial .env lines of 1 MB each must parse in linear time.

Each shape is a run that made a regex backtrack (a bare value with a long run of spaces and no '#' after it took
0.64 s at 20,000 spaces and 2.6 s at 40,000 in 0.1.0). Every shape is parsed at 1/4 MB and 1 MB: linear time shows
as a ratio near 4, quadratic as near 16. The run fails (exit status 1) when a 1 MB line takes longer than
--budget seconds or a ratio exceeds 8 - a benchmark's verdict, kept out of the unit tests, which check only that
these lines read as python-dotenv reads them (tests/unit/plugins/module_utils/test__envfile.py).
"""
from __future__ import annotations

import argparse
import sys
import time

from ansible_collections.fernet.dotenv.plugins.module_utils._envfile import EnvDocument

MB = 1 << 20
SHAPES = {
    "spaces inside a bare value": lambda n: "A=x" + " " * n + "y\n",
    "space-tab run, no '#'": lambda n: "A=x" + " \t" * (n // 2) + "\n",
    "tabs, then '#'": lambda n: "A=" + "\t" * n + "#\n",
    "'# ' repeated": lambda n: "A=" + "# " * (n // 2) + "\n",
    "escaped quotes in single quotes": lambda n: "A='" + "\\'" * (n // 2) + "'\n",
    "escaped quotes in double quotes": lambda n: 'A="' + '\\"' * (n // 2) + '"\n',
    "spaces after a name, no '='": lambda n: "A" + " " * n + "\n",
    "spaces then one '#', twice": lambda n: "A=x" + " " * (n // 2) + "#c" + " " * (n // 2) + "#d\n",
}


def seconds(text: str) -> float:
    """The best of three parses, so that a pause of the machine is not taken for the parser's time."""
    best = float("inf")
    for _run in range(3):
        started = time.perf_counter()
        EnvDocument.parse(text).as_dict()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds allowed for one 1 MB line")
    args = parser.parse_args()
    failed = False
    print(f"{'shape':36s} {'1/4 MB':>8s} {'1 MB':>8s} {'ratio':>6s}")
    for name, make in SHAPES.items():
        quarter, whole = seconds(make(MB // 4)), seconds(make(MB))
        ratio = whole / quarter if quarter else 0.0
        verdict = "ok" if whole <= args.budget and ratio <= 8 else "TOO SLOW"
        failed |= verdict != "ok"
        print(f"{name:36s} {quarter:8.3f} {whole:8.3f} {ratio:6.1f}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
