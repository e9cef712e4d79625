#!/usr/bin/env python3
# Restores backups made by the real tools through qubes-rescue-cli, and
# checks every file against the fixture's manifest.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys

import qrtest
from qrtest import cli

ws = qrtest.Workspace()

COMPRESSIONS = ['gzip', 'bzip2', 'xz', 'lzma', 'zstd', 'pigz', 'pbzip2', 'zstdmt', 'none']


def restore_all(compression):
    def test():
        backup, manifest = ws.backup('backup-' + compression, '--compression', compression)
        dest = ws.path('restore-' + compression)
        result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file)
        assert result.returncode == 0, result.stderr
        qubes = qrtest.included_qubes(manifest)
        for qube in qubes:
            qrtest.check_qube(dest, qube, manifest)
        assert sorted(os.listdir(dest)) == sorted(qrtest.folder_for(q) for q in qubes)
    return test


def test_selective():
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    dest = ws.path('selective')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 'work', 'dom0')
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(dest)) == ['dom0-home', 'work']
    for qube in qrtest.included_qubes(manifest):
        if qube['name'] in ('work', 'dom0'):
            qrtest.check_qube(dest, qube, manifest)


def test_unknown_qube():
    backup, _ = ws.backup('backup-gzip', '--compression', 'gzip')
    dest = ws.path('unknown')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 'no-such-qube')
    assert result.returncode == 1, result
    assert 'no-such-qube' in result.stderr and 'work' in result.stderr, result.stderr
    assert not os.path.exists(dest)


def test_not_included_qube():
    backup, _ = ws.backup('backup-gzip', '--compression', 'gzip')
    result = cli('verify', backup, '--passphrase-file', ws.passphrase_file, 'personal')
    assert result.returncode == 1, result
    assert 'personal' in result.stderr and 'not included' in result.stderr, result.stderr


def test_info_json():
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    result = cli('info', backup, '--json', '--passphrase-file', ws.passphrase_file)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info['version'] == 4
    assert info['backup_id'] == manifest['backup_id']
    assert info['compressed'] is True and info['compression_filter'] == 'gzip'
    listed = {q['name']: q for q in info['qubes']}
    assert set(listed) == {q['name'] for q in manifest['qubes']}
    for qube in manifest['qubes']:
        got = listed[qube['name']]
        assert got['class'] == qube['class'], got
        assert got['label'] == qube['label'], got
        assert got['template'] == qube['template'], got
        assert got['included'] == qube['included'], got
        if qube['included']:
            assert got['backup_path'] == qube['backup_path'], got
            assert got['size'] == qube['size'], got
            assert isinstance(got['size'], int)


def test_info_without_passphrase():
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    result = cli('info', backup)
    assert result.returncode == 0, result.stderr
    assert manifest['backup_id'] in result.stdout
    assert 'passphrase' in result.stdout, result.stdout
    result = cli('info', backup, '--json')
    info = json.loads(result.stdout)
    # Schema 1: "qubes" is always an array; "unlocked" says why it is empty.
    assert info['qubes'] == [] and info['unlocked'] is False, info


def test_passphrase_from_stdin():
    backup, _ = ws.backup('backup-gzip', '--compression', 'gzip')
    with open(ws.passphrase_file, 'rb') as stdin:
        result = cli('info', backup, '--json', stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['qubes'], result.stdout


def test_verify():
    backup, _ = ws.backup('backup-xz', '--compression', 'xz')
    before = sorted(os.listdir(ws.root))
    result = cli('verify', backup, '--passphrase-file', ws.passphrase_file)
    assert result.returncode == 0, result.stderr
    assert 'verified' in result.stdout, result.stdout
    assert sorted(os.listdir(ws.root)) == before


def test_jobs_and_memory_options():
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    dest = ws.path('one-job')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 '--jobs', '1', '--max-memory', '64M', 'vault')
    assert result.returncode == 0, result.stderr
    vault = [q for q in manifest['qubes'] if q['name'] == 'vault'][0]
    qrtest.check_qube(dest, vault, manifest)


def test_existing_folder_untouched():
    backup, _ = ws.backup('backup-gzip', '--compression', 'gzip')
    dest = ws.path('existing')
    os.makedirs(os.path.join(dest, 'work'))
    marker = os.path.join(dest, 'work', 'mine.txt')
    with open(marker, 'w') as f:
        f.write('keep me')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 'work', 'vault')
    assert result.returncode == 1, result
    assert 'already exists' in result.stderr, result.stderr
    assert os.listdir(os.path.join(dest, 'work')) == ['mine.txt']
    with open(marker) as f:
        assert f.read() == 'keep me'
    assert os.path.exists(os.path.join(dest, 'vault', 'private.img'))


def test_manual_procedure_agrees():
    """The emergency procedure of the Qubes documentation gives the same files."""
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    manual = ws.path('manual')
    ours = ws.path('restore-gzip')
    script = os.path.join(os.path.dirname(qrtest.GENERATOR), '..', '..', 'bench', 'manual-restore')
    subprocess.run([script, backup, qrtest.PASSPHRASE, manual], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(ours):
        restore_all('gzip')()
    for qube in qrtest.included_qubes(manifest):
        if qube['class'] == 'AdminVM':
            continue
        path = qube['backup_path'].rstrip('/')
        for name in qube['files']:
            assert qrtest.sha256(os.path.join(manual, path, name)) == \
                qrtest.sha256(os.path.join(ours, qube['name'], name)), name


def test_parallelism():
    """Keys with p = 3, as Qubes' scrypt picks them when dom0 has little
    memory: the three ROMix runs of each key are shared by the workers."""
    backup, manifest = ws.backup('backup-p3', '--compression', 'gzip', '--logN', '12',
                                 '--scrypt-p', '3')
    dest = ws.path('restore-p3')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 '--jobs', '2')
    assert result.returncode == 0, result.stderr
    qubes = qrtest.included_qubes(manifest)
    for qube in qubes:
        qrtest.check_qube(dest, qube, manifest)
    assert sorted(os.listdir(dest)) == sorted(qrtest.folder_for(q) for q in qubes)


def test_from_pipe():
    """A backup sent through a pipe is read once, front to back."""
    backup, manifest = ws.backup('backup-zstd', '--compression', 'zstd')
    dest = ws.path('from-pipe')
    with open(backup, 'rb') as stdin:
        result = cli('restore', '/dev/stdin', '--dest', dest,
                     '--passphrase-file', ws.passphrase_file, stdin=stdin)
    assert result.returncode == 0, result.stderr
    for qube in qrtest.included_qubes(manifest):
        qrtest.check_qube(dest, qube, manifest)


def test_one_qube_from_pipe():
    backup, manifest = ws.backup('backup-gzip', '--compression', 'gzip')
    dest = ws.path('one-from-pipe')
    with open(backup, 'rb') as stdin:
        result = cli('restore', '/dev/stdin', '--dest', dest,
                     '--passphrase-file', ws.passphrase_file, 'vault', stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert os.listdir(dest) == ['vault']
    vault = [q for q in manifest['qubes'] if q['name'] == 'vault'][0]
    qrtest.check_qube(dest, vault, manifest)


def test_verify_from_pipe():
    backup, _ = ws.backup('backup-gzip', '--compression', 'gzip')
    with open(backup, 'rb') as stdin:
        result = cli('verify', '/dev/stdin', '--passphrase-file', ws.passphrase_file,
                     stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('no damage found') == 4, result.stdout


tests = [('restore every qube, ' + c, restore_all(c)) for c in COMPRESSIONS]
tests += [
    ('restore selected qubes', test_selective),
    ('unknown qube name is a usage error', test_unknown_qube),
    ('qube not included is a usage error', test_not_included_qube),
    ('info --json', test_info_json),
    ('info without a passphrase', test_info_without_passphrase),
    ('passphrase from standard input', test_passphrase_from_stdin),
    ('verify writes nothing', test_verify),
    ('--jobs and --max-memory', test_jobs_and_memory_options),
    ('an existing qube folder is never touched', test_existing_folder_untouched),
    ('the manual procedure gives the same files', test_manual_procedure_agrees),
    ('keys with scrypt parallelism p = 3', test_parallelism),
    ('restore from a pipe', test_from_pipe),
    ('restore one qube from a pipe', test_one_qube_from_pipe),
    ('verify from a pipe', test_verify_from_pipe),
]

try:
    sys.exit(qrtest.run_tests(tests))
finally:
    ws.cleanup()
