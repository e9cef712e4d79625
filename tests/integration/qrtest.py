# Shared helpers of the integration tests: a TAP runner, the fixture
# generator, and checks of restored files against a fixture's manifest.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import traceback

CLI = os.environ.get('QR_CLI', 'qubes-rescue-cli')
GENERATOR = os.environ['QR_FIXTURE_GENERATOR']
PASSPHRASE = 'correct horse battery staple'


class Workspace:
    """A temporary folder for one test program, removed at the end."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix='qr-integration-')
        self.passphrase_file = self.path('passphrase')
        with open(self.passphrase_file, 'w', encoding='utf-8') as f:
            f.write(PASSPHRASE + '\n')
        self._backups = {}

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def backup(self, name, *args, preset='full'):
        """Makes (once) a backup with the real tools; returns (path, manifest)."""
        if name not in self._backups:
            path = self.path(name)
            manifest = path + '.json'
            subprocess.run([sys.executable, GENERATOR, '--qubes', preset,
                            '--chunk-size', '65536', '--manifest', manifest,
                            *args, path],
                           check=True, stdout=subprocess.DEVNULL)
            with open(manifest, encoding='utf-8') as f:
                self._backups[name] = (path, json.load(f))
        return self._backups[name]


def check_no_warnings(stderr):
    """No GLib warning or critical may reach the user, whatever the test."""
    for level in ('-CRITICAL **', '-WARNING **'):
        assert level not in stderr, f'the CLI logged a warning: {stderr!r}'


def cli(*args, stdin=subprocess.DEVNULL, timeout=600, env=None):
    result = subprocess.run([CLI, *args], stdin=stdin, capture_output=True,
                            text=True, timeout=timeout, env=env)
    check_no_warnings(result.stderr)
    return result


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def folder_for(qube):
    return 'dom0-home' if qube['class'] == 'AdminVM' else qube['name']


def check_qube(dest, qube, manifest):
    """Asserts that a restored qube equals the manifest byte for byte."""
    folder = os.path.join(dest, folder_for(qube))
    if qube['class'] == 'AdminVM':
        check_tree(os.path.join(folder, manifest['dom0_home']['user']),
                   manifest['dom0_home']['tree'])
        return
    expected = set(qube['files'])
    present = set(os.listdir(folder))
    assert present == expected, f'{folder}: {present} != {expected}'
    for name, info in qube['files'].items():
        path = os.path.join(folder, name)
        st = os.lstat(path)
        size = info.get('apparent_size', info.get('size'))
        assert st.st_size == size, f'{path}: size {st.st_size} != {size}'
        assert sha256(path) == info['sha256'], f'{path}: content differs'
        if name.endswith('.img'):
            assert st.st_blocks * 512 < st.st_size // 4, f'{path} is not sparse'


def check_tree(root, tree):
    for rel, info in tree.items():
        path = os.path.join(root, rel)
        if info['type'] == 'symlink':
            assert os.path.islink(path), f'{path} is not a link'
            assert os.readlink(path) == info['target'], f'{path}: wrong target'
        elif info['type'] == 'dir':
            assert os.path.isdir(path) and not os.path.islink(path), f'{path} not a dir'
        else:
            assert os.path.isfile(path) and not os.path.islink(path), f'{path} not a file'
            assert sha256(path) == info['sha256'], f'{path}: content differs'
    found = set()
    for parent, dirs, files in os.walk(root):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(parent, name), root))
    assert found == set(tree), f'unexpected entries: {found ^ set(tree)}'


def included_qubes(manifest):
    return [q for q in manifest['qubes'] if q['included']]


def member_offsets(backup):
    """The data offset and size of every member of the outer archive."""
    with tarfile.open(backup, ignore_zeros=True) as archive:
        return {m.name: (m.offset_data, m.size) for m in archive.getmembers()}


def patch(backup, offset, data):
    with open(backup, 'r+b') as f:
        f.seek(offset)
        f.write(data)


def leftovers(dest):
    """Everything under dest, as relative paths."""
    if not os.path.exists(dest):
        return []
    return sorted(os.path.relpath(os.path.join(p, n), dest)
                  for p, d, f in os.walk(dest) for n in d + f)


def run_tests(tests):
    """Runs (name, function) pairs and reports them as TAP; QR_ONLY, when
    set, runs only the tests whose names contain it."""
    only = os.environ.get('QR_ONLY')
    if only:
        tests = [t for t in tests if only in t[0]]
    print(f'1..{len(tests)}', flush=True)
    failed = 0
    for number, (name, function) in enumerate(tests, 1):
        try:
            function()
            print(f'ok {number} - {name}', flush=True)
        except Exception:
            failed += 1
            print(f'not ok {number} - {name}')
            for line in traceback.format_exc().splitlines():
                print('# ' + line)
            sys.stdout.flush()
    return 1 if failed else 0
