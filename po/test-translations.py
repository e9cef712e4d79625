#!/usr/bin/env python3
# test-translations.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check that every language in LINGUAS is valid and complete.

The strings are extracted afresh from the files in POTFILES.in, the way
the build extracts them, and each translation must translate all of them
(fuzzy entries count as missing) and pass msgfmt --check, which catches
format directives that would crash or garble a message.

Usage: test-translations.py PO-DIR SOURCE-ROOT
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

# The keywords of meson's "glib" gettext preset.
XGETTEXT_ARGS = [
    "--from-code=UTF-8",
    "--add-comments",
    "--keyword=_",
    "--keyword=N_",
    "--keyword=C_:1c,2",
    "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2",
    "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format",
    "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format",
    "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format",
    "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format",
    "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]


def run(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          **kwargs)


HEADER = re.compile(r'^msgid ""\nmsgstr ', re.M)


def untranslated(po, pot, tmp):
    """Fails listing each string of POT that PO leaves untranslated or fuzzy."""
    merged = os.path.join(tmp, "merged.po")
    result = run(["msgmerge", "--quiet", "--no-fuzzy-matching",
                  "--output-file=" + merged, po, pot])
    if result.returncode != 0:
        return result
    entries = []
    for which in ("--untranslated", "--only-fuzzy"):
        result = run(["msgattrib", "--no-obsolete", "--no-location", which,
                      merged])
        if result.returncode != 0:
            return result
        # msgattrib prints the header entry too; anything else is missing.
        entries += [e for e in result.stdout.decode().split("\n\n")
                    if e.strip() and not HEADER.search(e)]
    return subprocess.CompletedProcess(result.args, 1 if entries else 0,
                                       "\n\n".join(entries).encode())


def main():
    if len(sys.argv) != 3:
        print("usage: %s PO-DIR SOURCE-ROOT" % sys.argv[0], file=sys.stderr)
        return 2
    po_dir, root = sys.argv[1], sys.argv[2]
    for tool in ("xgettext", "msgfmt", "msgmerge", "msgattrib"):
        if shutil.which(tool) is None:
            print("Bail out! %s is not installed" % tool)
            return 1

    with open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8") as f:
        languages = [w for line in f if not line.startswith("#")
                     for w in line.split()]

    count = 0
    failed = 0

    def check(result, description):
        nonlocal count, failed
        count += 1
        ok = result.returncode == 0
        failed += 0 if ok else 1
        print("%s %d - %s" % ("ok" if ok else "not ok", count, description))
        if not ok:
            for line in result.stdout.decode(errors="replace").splitlines():
                print("#   " + line)

    with tempfile.TemporaryDirectory(prefix="qr-po-") as tmp:
        pot = os.path.join(tmp, "qubes-rescue.pot")
        result = run(["xgettext", "--package-name=qubes-rescue",
                      "--files-from=" + os.path.join(po_dir, "POTFILES.in"),
                      "--directory=" + root, "--output=" + pot]
                     + XGETTEXT_ARGS)
        check(result, "the strings can be extracted")
        if result.returncode != 0:
            print("1..%d" % count)
            return 1
        for lang in languages:
            po = os.path.join(po_dir, lang + ".po")
            check(run(["msgfmt", "--check", "--output-file=" + os.devnull, po]),
                  "%s.po is valid" % lang)
            check(untranslated(po, pot, tmp),
                  "%s.po translates every string" % lang)

    print("1..%d" % count)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
