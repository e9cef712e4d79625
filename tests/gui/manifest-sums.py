#!/usr/bin/env python3
# manifest-sums.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Print what a restore of a generated backup must produce.

Reads the fixture generator's manifest and prints one line per regular
file, "SHA256 PATH", PATH relative to the restore destination: a qube's
files under its name, dom0's home under dom0-home/USER/.
"""

import json
import sys


def entries(name, info):
    if 'type' not in info:
        return [(name, info)]
    if info['type'] == 'file':
        return [(name, info)]
    prefix = '' if name == '.' else name + '/'
    return [(prefix + path, entry) for path, entry in sorted(info.get('tree', {}).items())
            if entry['type'] == 'file']


def main():
    with open(sys.argv[1], encoding='utf-8') as f:
        manifest = json.load(f)

    for qube in manifest['qubes']:
        if not qube['included']:
            continue
        for name, info in sorted(qube['files'].items()):
            # Formats 1 to 3 also describe links and folders of a qube,
            # and a template's whole folder as ".".
            for path, entry in entries(name, info):
                print('{} {}/{}'.format(entry['sha256'], qube['name'], path))

    home = manifest.get('dom0_home')
    if home:
        for path, info in sorted(home['tree'].items()):
            if info['type'] == 'file':
                print('{} dom0-home/{}/{}'.format(info['sha256'], home['user'], path))


if __name__ == '__main__':
    main()
