#!/usr/bin/env python3
# test-potfiles.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check that POTFILES.in lists every file with user-visible strings.

A C file that marks strings with _(), N_() and friends, or a .ui file with
translatable="yes", is only translated when POTFILES.in names it; forgetting
it leaves part of the program in English without any warning. Each entry
must also exist, or extracting the strings fails.

Usage: test-potfiles.py POTFILES.in SOURCE-ROOT
"""

import os
import re
import sys

C_MARKERS = re.compile(
    r"(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_|g_dgettext|g_dngettext|g_dpgettext2"
    r"|ngettext|gettext)\s*\(")
UI_MARKER = re.compile(r"""translatable\s*=\s*["']yes["']""")
SCANNED_DIRS = ("src", "ui")

# The desktop data is translated too; these are always expected.
DATA_FILES = (
    "data/io.github.qubesrescue.QubesRescue.desktop.in",
    "data/io.github.qubesrescue.QubesRescue.metainfo.xml.in",
    "data/io.github.qubesrescue.QubesRescue-mime.xml",
    "data/io.github.qubesrescue.QubesRescue.gschema.xml",
)


def strip_c_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def has_strings(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith(".ui"):
        return UI_MARKER.search(text) is not None
    return C_MARKERS.search(strip_c_comments(text)) is not None


def read_potfiles(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                entries.append(line)
    return entries


def main():
    if len(sys.argv) != 3:
        print("usage: %s POTFILES.in SOURCE-ROOT" % sys.argv[0], file=sys.stderr)
        return 2
    potfiles, root = sys.argv[1], sys.argv[2]
    listed = read_potfiles(potfiles)
    count = 0
    failed = 0

    def check(ok, description):
        nonlocal count, failed
        count += 1
        failed += 0 if ok else 1
        print("%s %d - %s" % ("ok" if ok else "not ok", count, description))

    check(len(listed) == len(set(listed)), "POTFILES.in lists no file twice")
    for entry in listed:
        check(os.path.isfile(os.path.join(root, entry)),
              "listed file %s exists" % entry)
    for entry in DATA_FILES:
        check(entry in listed, "desktop data file %s is listed" % entry)

    for top in SCANNED_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".c", ".h", ".ui")):
                    continue
                path = os.path.join(dirpath, name)
                if not has_strings(path):
                    continue
                relative = os.path.relpath(path, root)
                check(relative in listed,
                      "%s has user-visible strings and is listed" % relative)

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
