#!/usr/bin/env python3
# Every kind of bad input gets its exit code and its plain sentence, and
# leaves nothing behind.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import time

import qrtest
from qrtest import cli

ws = qrtest.Workspace()

WRONG_PASSPHRASE, DAMAGED, NOT_A_BACKUP, RESOURCES, CANCELLED = 2, 3, 4, 5, 130


def restore(backup, dest, *qubes, passphrase_file=None):
    return cli('restore', backup, '--dest', dest,
               '--passphrase-file', passphrase_file or ws.passphrase_file, *qubes)


def expect_failure(backup, code, words, *qubes, partial_ok=()):
    """Restores @backup and checks the exit code, the sentence, and that no
    qube but the ones in partial_ok was left behind."""
    dest = ws.path('dest-' + os.path.basename(backup) + '-' + str(len(os.listdir(ws.root))))
    result = restore(backup, dest, *qubes)
    assert result.returncode == code, f'exit {result.returncode}: {result.stderr}'
    for word in words:
        assert word.lower() in result.stderr.lower(), f'{word!r} not in {result.stderr!r}'
    left = [p for p in qrtest.leftovers(dest) if p.split('/')[0] not in partial_ok]
    assert left == [], f'left behind: {left}'
    for path in qrtest.leftovers(dest):
        assert '.qr-partial' not in path, path
    return result


def hostile(name, *args, preset='full'):
    return ws.backup(name, *args, preset=preset)[0]


def test_wrong_passphrase():
    backup, _ = ws.backup('good')
    wrong = ws.path('wrong')
    with open(wrong, 'w') as f:
        f.write('not the passphrase')
    dest = ws.path('wrong-dest')
    result = restore(backup, dest, passphrase_file=wrong)
    assert result.returncode == WRONG_PASSPHRASE, result.stderr
    assert 'passphrase is not correct' in result.stderr
    assert not os.path.exists(dest)
    result = cli('info', backup, '--passphrase-file', wrong)
    assert result.returncode == WRONG_PASSPHRASE, result.stderr


def flipped_bit(offset):
    def test():
        backup = hostile(f'flip{offset}', '--corrupt-member', 'vm12/private.img.002.enc',
                         '--corrupt-offset', str(offset))
        result = expect_failure(backup, DAMAGED, ['work', 'private.img', 'part 3 of'], 'work')
        assert 'damaged' in result.stderr or 'tampered' in result.stderr
    return test


def test_flipped_bit_other_qubes_restored():
    backup = hostile('flip-mid', '--corrupt-member', 'vm12/private.img.002.enc',
                     '--corrupt-offset', '30000')
    _, manifest = ws.backup('flip-mid')
    dest = ws.path('flip-mid-dest')
    result = restore(backup, dest)
    assert result.returncode == DAMAGED, result.stderr
    assert sorted(os.listdir(dest)) == ['debian-12', 'dom0-home', 'vault'], os.listdir(dest)
    for qube in qrtest.included_qubes(manifest):
        if qube['name'] != 'work':
            qrtest.check_qube(dest, qube, manifest)


def test_last_chunk_missing():
    _, manifest = ws.backup('good')
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    last = work['files']['private.img']['members'][-1]
    backup = hostile('nolast', '--drop-member', last)
    result = expect_failure(backup, DAMAGED, ['private.img', 'incomplete'], 'work')
    assert 'work' in result.stderr


def test_archive_cut_short():
    backup, _ = ws.backup('good')
    cut = ws.path('cut')
    shutil.copy(backup, cut)
    offsets = qrtest.member_offsets(cut)
    offset, size = offsets['vm12/private.img.003.enc']
    os.truncate(cut, offset + size // 2)
    expect_failure(cut, DAMAGED, ['cut short', 'work'], 'work')


def test_pipe_cut_short():
    """A pipe that ends early: what came whole is restored, nothing partial
    is left of the rest."""
    backup, _ = ws.backup('good')
    offset, size = qrtest.member_offsets(backup)['vm12/private.img.003.enc']
    dest = ws.path('pipe-cut')
    process = subprocess.Popen(['head', '-c', str(offset + size // 2), backup],
                               stdout=subprocess.PIPE)
    result = cli('restore', '/dev/stdin', '--dest', dest,
                 '--passphrase-file', ws.passphrase_file, stdin=process.stdout)
    process.wait()
    assert result.returncode == DAMAGED, result.stderr
    assert 'cut short' in result.stderr, result.stderr
    assert sorted(os.listdir(dest)) == ['debian-12'], os.listdir(dest)
    for path in qrtest.leftovers(dest):
        assert '.qr-partial' not in path, path


def test_damaged_chunk_from_pipe():
    backup = hostile('flip-mid', '--corrupt-member', 'vm12/private.img.002.enc',
                     '--corrupt-offset', '30000')
    dest = ws.path('pipe-damaged')
    with open(backup, 'rb') as stdin:
        result = cli('restore', '/dev/stdin', '--dest', dest,
                     '--passphrase-file', ws.passphrase_file, stdin=stdin)
    assert result.returncode == DAMAGED, result.stderr
    assert 'part 3' in result.stderr, result.stderr
    assert sorted(os.listdir(dest)) == ['debian-12', 'dom0-home', 'vault'], os.listdir(dest)


def test_qube_apart_in_pipe():
    """From a pipe, a qube whose parts come back after another qube began
    is refused, and nothing of it is left."""
    backup = hostile('apart', '--swap-members', 'vm12/firewall.xml.000.enc',
                     'vm14/private.img.000.enc')
    dest = ws.path('pipe-apart')
    process = subprocess.Popen(['cat', backup], stdout=subprocess.PIPE)
    result = cli('restore', '/dev/stdin', '--dest', dest,
                 '--passphrase-file', ws.passphrase_file, stdin=process.stdout)
    process.wait()
    assert result.returncode == DAMAGED, result.stderr
    assert 'not together' in result.stderr, result.stderr
    assert sorted(os.listdir(dest)) == ['debian-12', 'dom0-home'], os.listdir(dest)


def test_chunk_renamed():
    backup, _ = ws.backup('good')
    renamed = ws.path('renamed')
    shutil.copy(backup, renamed)
    offsets = qrtest.member_offsets(renamed)
    a, size_a = offsets['vm12/private.img.001.enc']
    b, size_b = offsets['vm12/private.img.002.enc']
    assert size_a == size_b
    with open(renamed, 'rb') as f:
        f.seek(b)
        second = f.read(size_b)
    qrtest.patch(renamed, a, second)
    expect_failure(renamed, DAMAGED, ['part 2 of', 'does not belong'], 'work')


def test_chunks_reordered():
    backup = hostile('swapped', '--swap-members', 'vm12/private.img.001.enc',
                     'vm12/private.img.002.enc')
    expect_failure(backup, DAMAGED, ['out of order'], 'work')


def test_chunk_from_another_backup():
    other, _ = ws.backup('other', '--seed', '7', '--backup-id', '20200101T000000-1', preset='small')
    backup = hostile('foreign', '--foreign-member', f'vm12/private.img.000.enc:{other}')
    expect_failure(backup, DAMAGED, ['does not belong'], 'work')


def write_file(name, data):
    path = ws.path(name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def not_a_backup(path_maker, words):
    def test():
        path = path_maker()
        result = cli('info', path, '--passphrase-file', ws.passphrase_file)
        assert result.returncode == NOT_A_BACKUP, result
        for word in words:
            assert word in result.stderr, result.stderr
        dest = ws.path('nab-dest')
        assert restore(path, dest).returncode == NOT_A_BACKUP
        assert not os.path.exists(dest)
    return test


def make_garbage():
    return write_file('garbage', hashlib.sha512(b'x').digest() * 1000)


def make_empty():
    return write_file('empty', b'')


def make_unrelated_tar():
    path = ws.path('unrelated.tar')
    content = write_file('hello.txt', b'hello\n')
    with tarfile.open(path, 'w', format=tarfile.PAX_FORMAT) as tar:
        tar.add(content, arcname='hello.txt')
    return path


def header_variant(name, text):
    return lambda: hostile(name, '--header-text', text, preset='small')


GOOD_HEADER = ('encrypted=True\\ncompressed=True\\ncompression-filter=gzip\\n'
               'hmac-algorithm=scrypt\\nbackup-id=20230405T123455-1234\\n')


def absurd_params(log_n, r, p):
    def test():
        backup, _ = ws.backup('good')
        path = ws.path(f'absurd-{log_n}-{r}-{p}')
        shutil.copy(backup, path)
        offset, _ = qrtest.member_offsets(path)['vm14/private.img.000.enc']
        with open(path, 'rb') as f:
            f.seek(offset)
            header = bytearray(f.read(48))
        header[7] = log_n
        header[8:16] = struct.pack('>II', r, p)
        checksum = hashlib.sha256(bytes(header)).digest()[:16]
        qrtest.patch(path, offset, bytes(header) + checksum)
        expect_failure(path, DAMAGED, ['vault'], 'vault')
    return test


def test_needs_more_memory():
    backup, _ = ws.backup('good')
    dest = ws.path('memory-dest')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 '--max-memory', '256K')
    assert result.returncode == RESOURCES, result.stderr
    assert 'needs' in result.stderr and 'memory' in result.stderr, result.stderr
    assert not os.path.exists(dest)


def inner_hostile(name, *args, words=()):
    def test():
        backup = hostile(name, *args)
        expect_failure(backup, DAMAGED, ['unsafe', 'vault', *words], 'vault')
    return test


def test_symlinks_not_followed():
    """dom0's home holds links to /etc/passwd and to ../: they are restored
    as links, and nothing is written through them."""
    backup, manifest = ws.backup('good')
    dest = ws.path('links')
    result = restore(backup, dest, 'dom0')
    assert result.returncode == 0, result.stderr
    home = os.path.join(dest, 'dom0-home', 'user')
    assert os.readlink(os.path.join(home, 'system-passwd')) == '/etc/passwd'
    assert os.path.islink(os.path.join(home, 'Documents', 'pictures'))


def test_disk_full():
    if os.geteuid() != 0:
        print('# skipped: needs root to mount a small tmpfs')
        return
    backup, _ = ws.backup('good')
    small = ws.path('small-disk')
    os.mkdir(small)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small], check=True)
    try:
        result = restore(backup, os.path.join(small, 'dest'), 'work')
        assert result.returncode == RESOURCES, result.stderr
        assert 'space' in result.stderr, result.stderr
        assert qrtest.leftovers(small) == [], qrtest.leftovers(small)
    finally:
        subprocess.run(['umount', small], check=True)


def test_cancel():
    backup, _ = ws.backup('slow', '--logN', '15', preset='small')
    dest = ws.path('cancelled')
    process = subprocess.Popen([qrtest.CLI, 'restore', backup, '--dest', dest,
                                '--passphrase-file', ws.passphrase_file, '--jobs', '1'],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(dest) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == CANCELLED, (process.returncode, stderr)
    assert time.monotonic() - started < 10, 'cancelling took too long'
    assert qrtest.leftovers(dest) == [], qrtest.leftovers(dest)


tests = [
    ('wrong passphrase', test_wrong_passphrase),
    ('flipped bit in chunk data', flipped_bit(5000)),
    ('flipped bit in the final HMAC', flipped_bit(-1)),
    ('flipped bit in the container header', flipped_bit(20)),
    ('a damaged qube does not stop the others', test_flipped_bit_other_qubes_restored),
    ('last chunk missing', test_last_chunk_missing),
    ('archive cut short', test_archive_cut_short),
    ('pipe cut short', test_pipe_cut_short),
    ('damaged chunk from a pipe', test_damaged_chunk_from_pipe),
    ('a qube apart in a pipe', test_qube_apart_in_pipe),
    ('chunk renamed', test_chunk_renamed),
    ('chunks reordered', test_chunks_reordered),
    ('chunk from another backup', test_chunk_from_another_backup),
    ('garbage', not_a_backup(make_garbage, ['not a Qubes OS backup'])),
    ('empty file', not_a_backup(make_empty, ['not a Qubes OS backup'])),
    ('unrelated tar', not_a_backup(make_unrelated_tar, ['not a Qubes OS backup'])),
    ('unknown header version',
     not_a_backup(header_variant('v5', 'version=5\\n' + GOOD_HEADER), ['version'])),
    ('duplicate header keys',
     not_a_backup(header_variant('dup', 'version=4\\nversion=4\\n' + GOOD_HEADER), ['header'])),
    ('non-ASCII header',
     not_a_backup(header_variant('ascii', 'version=4\\n' + GOOD_HEADER + 'x=\\xc3\\xa9\\n'),
                  ['header'])),
    ('scrypt logN 0', absurd_params(0, 8, 1)),
    ('scrypt logN 64', absurd_params(64, 8, 1)),
    ('scrypt r*p >= 2^30', absurd_params(10, 1 << 15, 1 << 15)),
    ('needs more memory than allowed', test_needs_more_memory),
    ('inner absolute path', inner_hostile('abs', '--inner-member-name', '/etc/evil')),
    ('inner ..', inner_hostile('dotdot', '--inner-member-name', 'vm14/../../evil')),
    ('inner name outside the folder', inner_hostile('outside', '--inner-member-name',
                                                    'vm99/private.img')),
    ('inner device node', inner_hostile('dev', '--inner-extra', 'chardev:vm14/private.img',
                                        '--inner-extra-first')),
    ('inner FIFO', inner_hostile('fifo', '--inner-extra', 'fifo:vm14/private.img',
                                 '--inner-extra-first')),
    ('inner hard link', inner_hostile('hard', '--inner-extra',
                                      'hardlink:vm14/private.img:/etc/passwd',
                                      '--inner-extra-first')),
    ('symlinks restored as links, never followed', test_symlinks_not_followed),
    ('destination fills up', test_disk_full),
    ('cancel removes partial files', test_cancel),
]

try:
    sys.exit(qrtest.run_tests(tests))
finally:
    ws.cleanup()
