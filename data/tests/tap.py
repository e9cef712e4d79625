# tap.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Test Anything Protocol output that meson reads, for the checks of
the data files: one line per check, the diagnostic of a failure under it,
the plan at the end."""

import sys


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, description, diagnostic=None):
        self.count += 1
        if not ok:
            self.failed += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.count, description))
        if diagnostic is not None and not ok:
            for line in str(diagnostic).splitlines():
                print("#   " + line)
        sys.stdout.flush()

    def skip(self, description, reason):
        self.count += 1
        print("ok %d - %s # SKIP %s" % (self.count, description, reason))
        sys.stdout.flush()

    def finish(self):
        """Prints the plan; returns the exit status."""
        print("1..%d" % self.count)
        return 1 if self.failed else 0
