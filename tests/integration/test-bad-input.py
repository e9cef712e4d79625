#!/usr/bin/env python3
# Every kind of bad input gets its exit code and its plain sentence, and
# leaves nothing behind.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os
import random
import shutil
import signal
import stat
import struct
import subprocess
import sys
import tarfile
import time

import many_chunks
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


def absurd_params(log_n, r, p, words=()):
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
        expect_failure(path, DAMAGED, ['vault', *words], 'vault')
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


def inner_restored(name, *args, check):
    """GNU tar entries a real writer makes: vault restores with them."""
    def test():
        backup, manifest = ws.backup(name, *args)
        dest = ws.path('restored-' + name)
        result = restore(backup, dest, 'vault')
        assert result.returncode == 0, result.stderr
        vault = os.path.join(dest, 'vault')
        image = [q for q in manifest['qubes'] if q['name'] == 'vault'][0]['files']['private.img']
        assert qrtest.sha256(os.path.join(vault, 'private.img')) == image['sha256']
        check(vault)
    return test


def is_fifo(vault):
    assert stat.S_ISFIFO(os.lstat(os.path.join(vault, 'pipe')).st_mode), os.listdir(vault)


def is_hard_link(vault):
    first, second = (os.lstat(os.path.join(vault, n)) for n in ('private.img', 'second.img'))
    assert first.st_ino == second.st_ino and first.st_nlink == 2, (first, second)


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


# ---- Damage to the outer archive: what is whole comes back, the rest is
# reported, and exit 0 only when nothing of the selection is missing.

def members_of(manifest, qube):
    """The member names of a qube, in the manifest."""
    if qube['class'] == 'AdminVM':
        return manifest['dom0_home']['members']
    return [m for f in qube['files'].values() for m in f['members']]


def restored_qubes(stdout):
    return sorted(line.split(':')[0] for line in stdout.splitlines()
                  if ': restored to ' in line or ': verified, ' in line)


def check_outcome(backup, manifest, expect_done, code, words=()):
    """Restores and verifies @backup: exactly @expect_done come back (byte
    for byte), the exit code is @code, and verify agrees."""
    dest = ws.path('dest-' + os.path.basename(backup))
    result = restore(backup, dest)
    assert result.returncode == code, (result.returncode, result.stderr)
    for word in words:
        assert word.lower() in result.stderr.lower(), (word, result.stderr)
    assert restored_qubes(result.stdout) == sorted(expect_done), result.stdout + result.stderr
    for qube in qrtest.included_qubes(manifest):
        if qube['name'] in expect_done:
            qrtest.check_qube(dest, qube, manifest)
    visible = sorted(n for n in os.listdir(dest) if not n.startswith('.')) \
        if os.path.exists(dest) else []
    assert visible == sorted(qrtest.folder_for(q) for q in qrtest.included_qubes(manifest)
                             if q['name'] in expect_done), visible
    assert not any(n.startswith('.') for n in os.listdir(dest)) if os.path.exists(dest) else True
    verify = cli('verify', backup, '--passphrase-file', ws.passphrase_file)
    assert verify.returncode == code, verify.stderr
    assert restored_qubes(verify.stdout) == sorted(expect_done), verify.stdout


def test_cut_at_random_offsets():
    """Cut inside and between members at random places: the qubes whose
    parts all lie before the cut may come back, nothing after it does."""
    backup, manifest = ws.backup('good')
    offsets = qrtest.member_offsets(backup)
    size = os.path.getsize(backup)
    rng = random.Random(9)
    cuts = [rng.randrange(offsets['qubes.xml.000.enc'][0] + 2048, size) for _ in range(4)]
    names = list(offsets)
    between = offsets[names[len(names) // 2]][0] - 1536
    for cut in cuts + [between]:
        path = ws.path(f'cut-{cut}')
        shutil.copy(backup, path)
        os.truncate(path, cut)
        possible = [q['name'] for q in qrtest.included_qubes(manifest)
                    if all(sum(offsets[m]) <= cut for m in members_of(manifest, q))]
        dest = ws.path(f'cut-dest-{cut}')
        result = restore(path, dest)
        assert result.returncode == DAMAGED, (cut, result.stderr)
        done = restored_qubes(result.stdout)
        assert set(done) <= set(possible), (cut, done, possible)
        assert 'cut short' in result.stderr, result.stderr
        for qube in qrtest.included_qubes(manifest):
            if qube['name'] in done:
                qrtest.check_qube(dest, qube, manifest)
        verify = cli('verify', path, '--passphrase-file', ws.passphrase_file)
        assert verify.returncode == DAMAGED and restored_qubes(verify.stdout) == done, \
            verify.stdout + verify.stderr


def test_flipped_tar_header():
    """Three flipped bytes in the tar header of one of work's parts: work
    is reported, the others come back whole."""
    backup, manifest = ws.backup('good')
    path = ws.path('tar-header')
    shutil.copy(backup, path)
    offset, _ = qrtest.member_offsets(path)['vm12/private.img.002.enc']
    qrtest.patch(path, offset - 512 + 10, b'XYZ')
    others = [q['name'] for q in qrtest.included_qubes(manifest) if q['name'] != 'work']
    check_outcome(path, manifest, others, DAMAGED, ['work', 'private.img'])


def test_flipped_padding():
    """Two flipped bits in the zero padding between members: nothing is
    lost, everything comes back, and the damage is said."""
    backup, manifest = ws.backup('good')
    path = ws.path('padding')
    shutil.copy(backup, path)
    offset, size = qrtest.member_offsets(path)['vm12/firewall.xml.000.enc']
    qrtest.patch(path, offset + size + 600, b'\x01\x02')
    everything = [q['name'] for q in qrtest.included_qubes(manifest)]
    check_outcome(path, manifest, everything, 0, ['damaged', 'nothing was lost'])


def test_junk_trailer():
    """A junk tar header after the last member: every member is still
    read, and the damage is said."""
    backup, manifest = ws.backup('good')
    path = ws.path('junk')
    shutil.copy(backup, path)
    with open(path, 'ab') as f:
        f.write(b'ustar junk header '.ljust(512, b'j') * 4)
    everything = [q['name'] for q in qrtest.included_qubes(manifest)]
    check_outcome(path, manifest, everything, 0, ['damaged'])


def test_junk_after_an_app_qube():
    """Junk after the last part of an app qube may hide a file of it: the
    qube is reported, not restored as if complete."""
    backup, manifest = ws.backup('small', preset='small')
    path = ws.path('junk-small')
    shutil.copy(backup, path)
    with open(path, 'ab') as f:
        f.write(os.urandom(8192))
    check_outcome(path, manifest, [], DAMAGED, ['work', 'may be lost'])


def test_series_removed():
    """Every part of work's private.img gone: work is not 'restored' with
    just its small files."""
    _, manifest = ws.backup('good')
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    args = [a for m in work['files']['private.img']['members'] for a in ('--drop-member', m)]
    backup, manifest = ws.backup('no-private', *args)
    others = [q['name'] for q in qrtest.included_qubes(manifest) if q['name'] != 'work']
    check_outcome(backup, manifest, others, DAMAGED, ['work', 'private.img'])


def test_pipe_members_out_of_order():
    """From a pipe, a backup whose list of qubes is not among its first
    parts ends at once with a sentence, never a hang."""
    backup = hostile('late-xml', '--swap-members', 'qubes.xml.000.enc', 'vm3/root.img.000.enc')
    process = subprocess.Popen(['cat', backup], stdout=subprocess.PIPE)
    started = time.monotonic()
    result = cli('info', '/dev/stdin', '--passphrase-file', ws.passphrase_file,
                 stdin=process.stdout, timeout=60)
    process.stdout.close()
    process.wait()
    assert result.returncode == DAMAGED, result.stderr
    assert 'not among its first parts' in result.stderr, result.stderr
    assert time.monotonic() - started < 10


def hostile_first_entry(kind):
    def test():
        block = bytearray(512)
        block[0:5] = b'vm12/'
        block[100:107] = b'0000755'
        block[124:135] = b'77777777777'
        block[156] = ord(kind)
        block[257:265] = b'ustar  \0'
        block[148:156] = b' ' * 8
        block[148:155] = ('%06o\0' % sum(block)).encode()
        path = write_file('first-' + kind, bytes(block) + bytes(1024))
        result = cli('info', path, '--passphrase-file', ws.passphrase_file)
        assert result.returncode == NOT_A_BACKUP, (result.returncode, result.stderr)
        assert 'not a Qubes OS backup' in result.stderr
    return test


def with_bad_bytes(member, offset, length):
    """The environment that makes @length bytes of @member unreadable."""
    env = dict(os.environ, LD_PRELOAD=os.environ['QR_EIO_SHIM'],
               QR_EIO_OFFSET=str(offset), QR_EIO_LENGTH=str(length))
    # A sanitizer build's runtime must come first; the shim does not mind.
    env['ASAN_OPTIONS'] = env.get('ASAN_OPTIONS', '') + ':verify_asan_link_order=0'
    return env


def test_read_error_in_a_chunk():
    """A read error inside work's data: work fails with a read error
    (exit 5) naming the byte, the other qubes come back."""
    backup, manifest = ws.backup('good')
    offset, size = qrtest.member_offsets(backup)['vm12/private.img.003.enc']
    env = with_bad_bytes(backup, offset + size // 2, 4096)
    env['QR_EIO_FILE'] = backup
    dest = ws.path('eio-dest')
    result = cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file,
                 env=env)
    assert result.returncode == RESOURCES, result.stderr
    assert 'Input/output error' in result.stderr and 'work' in result.stderr, result.stderr
    assert str(offset + size // 2) in result.stderr or 'byte' in result.stderr
    done = restored_qubes(result.stdout)
    assert 'work' not in done and len(done) == len(qrtest.included_qubes(manifest)) - 1, done
    for qube in qrtest.included_qubes(manifest):
        if qube['name'] in done:
            qrtest.check_qube(dest, qube, manifest)


def test_read_error_in_the_list_of_qubes():
    """A read error in qubes.xml is a read error, not 'damaged'."""
    backup, _ = ws.backup('good')
    offset, size = qrtest.member_offsets(backup)['qubes.xml.000.enc']
    env = with_bad_bytes(backup, offset, size)
    env['QR_EIO_FILE'] = backup
    result = cli('info', backup, '--passphrase-file', ws.passphrase_file, env=env)
    assert result.returncode == RESOURCES, result.stderr
    assert 'Input/output error' in result.stderr, result.stderr


def test_reserved_folder_name():
    """A qube named dom0-home does not meet dom0's home: it gets a folder
    of its own, and the output says which."""
    backup, manifest = ws.backup('renamed', '--rename-qube', 'vault:dom0-home')
    dest = ws.path('renamed-dest')
    result = restore(backup, dest)
    assert result.returncode == 0, result.stderr
    assert 'dom0-home: restored to ' + os.path.join(dest, 'dom0-home (qube)') in result.stdout
    assert os.path.isdir(os.path.join(dest, 'dom0-home', 'user'))
    vault = [q for q in manifest['qubes'] if q['name'] == 'dom0-home'][0]
    for name, info in vault['files'].items():
        assert qrtest.sha256(os.path.join(dest, 'dom0-home (qube)', name)) == info['sha256']


def test_many_chunks_bounded_memory():
    """50,000 chunks are verified and restored in the memory 5,000 take."""
    sanitized = b'asan' in subprocess.run(['ldd', qrtest.CLI], capture_output=True).stdout
    peak = {}
    for n in (5000, 50000):
        path = ws.path(f'many-{n}')
        image = random.Random(n).randbytes(256 * 1024)
        digest = many_chunks.make(path, qrtest.PASSPHRASE, n, image)
        dest = ws.path(f'many-dest-{n}')
        result = subprocess.run(['/usr/bin/time', '-f', 'peak %M', qrtest.CLI, 'restore', path,
                                 '--dest', dest, '--passphrase-file', ws.passphrase_file],
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr[-2000:]
        assert qrtest.sha256(os.path.join(dest, 'work', 'private.img')) == digest
        peak[n] = int(result.stderr.strip().splitlines()[-1].split()[-1])
    print(f'# peak RSS: {peak[5000]} KiB for 5,000 chunks, {peak[50000]} KiB for 50,000')
    if not sanitized:
        assert peak[50000] < peak[5000] + 32 * 1024, peak


def test_impossible_sparse_size():
    """A sparse map claiming 2^62 bytes fails its qube as damaged; the
    others come back and nothing says 'no space'."""
    backup = hostile('sparse-huge', '--inner-sparse-realsize', str(1 << 62))
    _, manifest = ws.backup('sparse-huge')
    others = [q['name'] for q in qrtest.included_qubes(manifest) if q['name'] != 'vault']
    check_outcome(backup, manifest, others, DAMAGED, ['vault', 'impossible size'])


def run_and_kill(backup, dest, moment):
    """Restores from a pipe fed a little at a time, and kills the restore
    with SIGKILL once @moment(dest) holds. It cannot get further than what
    was fed, so the moment is never missed however fast the restore is."""
    process = subprocess.Popen([qrtest.CLI, 'restore', '/dev/stdin', '--dest', dest,
                                '--passphrase-file', ws.passphrase_file, '--jobs', '1'],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    with open(backup, 'rb') as source:
        while not moment(dest) and process.poll() is None and time.monotonic() < deadline:
            block = source.read(16 * 1024)
            if not block:
                break
            try:
                process.stdin.write(block)
                process.stdin.flush()
            except BrokenPipeError:
                break
            # Time for the restore to act on it before the next look.
            time.sleep(0.002)
    process.kill()
    process.wait()
    process.stdin.close()


def staging(dest):
    return os.path.exists(dest) and any(n.endswith('.partial') for n in os.listdir(dest))


def first_qube_done(dest):
    return os.path.exists(dest) and any(not n.startswith('.') for n in os.listdir(dest))


def second_qube_begun(dest):
    return first_qube_done(dest) and staging(dest)


def test_killed_then_rerun():
    """Killed at several moments: whatever looks complete is complete, and a
    second run removes what the first left unfinished, says so, and
    restores the rest."""
    backup, manifest = ws.backup('slow-full', '--logN', '13')
    moments = [('while writing the first qube', staging),
               ('after the first qube', first_qube_done),
               ('while writing the second qube', second_qube_begun)]
    for label, moment in moments:
        dest = ws.path('killed-' + moment.__name__)
        run_and_kill(backup, dest, moment)
        visible = [n for n in os.listdir(dest) if not n.startswith('.')]
        for qube in qrtest.included_qubes(manifest):
            if qrtest.folder_for(qube) in visible:
                qrtest.check_qube(dest, qube, manifest)
        left = [q['name'] for q in qrtest.included_qubes(manifest)
                if qrtest.folder_for(q) not in visible]
        unfinished = staging(dest)
        assert left, f'{label}: the restore ended before it was killed'
        assert unfinished or moment is first_qube_done, f'{label}: nothing was left unfinished'
        result = restore(backup, dest, *left)
        assert result.returncode == 0, (label, result.stderr)
        if unfinished:
            assert 'Removed the unfinished restore' in result.stderr, (label, result.stderr)
        assert not any(n.startswith('.') for n in os.listdir(dest)), os.listdir(dest)
        for qube in qrtest.included_qubes(manifest):
            qrtest.check_qube(dest, qube, manifest)


REGRESSIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fuzz',
                           'regressions')


def fuzz_regressions(target, through_pipe):
    """Every input the fuzzers once broke the program with: a plain
    sentence and a non-zero exit status, quickly, never a signal or a hang."""
    def test():
        folder = os.path.join(REGRESSIONS, target)
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            started = time.monotonic()
            if through_pipe:
                process = subprocess.Popen(['cat', path], stdout=subprocess.PIPE)
                result = cli('verify', '/dev/stdin', '--passphrase-file', ws.passphrase_file,
                             stdin=process.stdout, timeout=60)
                process.stdout.close()
                process.wait()
            else:
                result = cli('verify', path, '--passphrase-file', ws.passphrase_file,
                             timeout=60)
            assert result.returncode in (DAMAGED, NOT_A_BACKUP, WRONG_PASSPHRASE), \
                (name, result.returncode, result.stderr)
            assert result.stderr.startswith('qubes-rescue-cli: ') or ': FAILED: ' in \
                result.stderr, (name, result.stderr)
            assert time.monotonic() - started < 30, name
    return test


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
    ('scrypt p = 2^20, hours of work', absurd_params(14, 8, 1 << 20, ['per key', '--max-kdf-time'])),
    ('needs more memory than allowed', test_needs_more_memory),
    ('inner absolute path', inner_hostile('abs', '--inner-member-name', '/etc/evil')),
    ('inner ..', inner_hostile('dotdot', '--inner-member-name', 'vm14/../../evil')),
    ('inner name outside the folder', inner_hostile('outside', '--inner-member-name',
                                                    'vm99/private.img')),
    ('inner device node', inner_hostile('dev', '--inner-extra', 'chardev:vm14/private.img',
                                        '--inner-extra-first')),
    ('inner FIFO', inner_restored('fifo', '--inner-extra', 'fifo:vm14/pipe', check=is_fifo)),
    ('inner hard link', inner_restored('hard', '--inner-extra',
                                       'hardlink:vm14/second.img:vm14/private.img',
                                       check=is_hard_link)),
    ('inner hard link to /etc/passwd', inner_hostile('hard-out', '--inner-extra',
                                                     'hardlink:vm14/private.img:/etc/passwd',
                                                     '--inner-extra-first')),
    ('symlinks restored as links, never followed', test_symlinks_not_followed),
    ('destination fills up', test_disk_full),
    ('cancel removes partial files', test_cancel),
    ('cut at random offsets', test_cut_at_random_offsets),
    ('flipped bytes in a tar header', test_flipped_tar_header),
    ('flipped bits in the padding', test_flipped_padding),
    ('junk trailer', test_junk_trailer),
    ('junk after an app qube', test_junk_after_an_app_qube),
    ('a whole file series removed', test_series_removed),
    ('pipe: members out of order', test_pipe_members_out_of_order),
    ('GNU dumpdir first entry', hostile_first_entry('D')),
    ('GNU multivolume first entry', hostile_first_entry('M')),
    ('read error in a chunk', test_read_error_in_a_chunk),
    ('read error in the list of qubes', test_read_error_in_the_list_of_qubes),
    ('qube named like a reserved folder', test_reserved_folder_name),
    ('50,000 chunks in bounded memory', test_many_chunks_bounded_memory),
    ('impossible sparse size', test_impossible_sparse_size),
    ('killed at any moment, then run again', test_killed_then_rerun),
    ('fuzz regressions: outer archive', fuzz_regressions('archive-file', False)),
    ('fuzz regressions: whole backups', fuzz_regressions('backup', False)),
    ('fuzz regressions: whole backups from a pipe', fuzz_regressions('backup-pipe', True)),
]

try:
    sys.exit(qrtest.run_tests(tests))
finally:
    ws.cleanup()
