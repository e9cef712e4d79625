#!/usr/bin/env python3
# Backups of Qubes R1 to R3.2 (formats 1, 2 and 3), made with the old
# writers' own commands (tests/fixtures/old_formats.py: GNU tar into a named
# pipe, openssl enc, openssl dgst -hmac), restored through qubes-rescue-cli
# and compared with their manifests byte for byte; and every kind of bad
# input for them, with its exit code.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import hmac
import json
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile

import qrtest
from qrtest import cli

ws = qrtest.Workspace()

WRONG_PASSPHRASE = 2
DAMAGED = 3
NOT_SUPPORTED = 4
UNCHECKED = 'no integrity check'


def backup(name, *args):
    return ws.backup(name, *args)


def restore(path, dest, *args):
    return cli('restore', path, '--dest', dest, '--passphrase-file', ws.passphrase_file, *args)


# ---- what a restore must give back ----

def check_entry(path, info):
    st = os.lstat(path)
    kind = info['type']
    if kind == 'symlink':
        assert stat.S_ISLNK(st.st_mode), f'{path} is not a link'
        # The target as it was, not as tar's --xform stored it.
        assert os.readlink(path) == info['target'], (path, os.readlink(path), info)
    elif kind == 'dir':
        assert stat.S_ISDIR(st.st_mode), f'{path} is not a folder'
        if 'tree' in info:
            check_tree(path, info['tree'])
    elif kind == 'fifo':
        assert stat.S_ISFIFO(st.st_mode), f'{path} is not a named pipe'
    else:
        assert kind == 'file', (path, info)
        assert stat.S_ISREG(st.st_mode), f'{path} is not a file'
        assert st.st_size == info['size'], (path, st.st_size, info['size'])
        assert qrtest.sha256(path) == info['sha256'], f'{path}: content differs'
        if path.endswith('.img') and st.st_size >= 1 << 20:
            assert st.st_blocks * 512 < st.st_size // 4, f'{path} is not sparse'


def check_tree(root, tree):
    """Every entry tar restores is there as it was; device files and
    sockets are not (a device is left out with a note)."""
    expected = {rel for rel, info in tree.items() if info['type'] not in ('device', 'socket')}
    found = set()
    for parent, dirs, files in os.walk(root):
        for name in dirs + files:
            found.add(os.path.relpath(os.path.join(parent, name), root))
    assert found == expected, f'{root}: {sorted(found ^ expected)}'
    groups = {}
    for rel in expected:
        check_entry(os.path.join(root, rel), tree[rel])
        if 'inode' in tree[rel]:
            groups.setdefault(tree[rel]['inode'], []).append(rel)
    # Hard links stay hard links.
    for names in groups.values():
        inodes = {os.lstat(os.path.join(root, n)).st_ino for n in names}
        assert len(inodes) == 1, f'{names} are no longer one file'


def folder_of(qube):
    return 'dom0-home' if qube['element'] == 'QubesAdminVm' else qube['name']


def included(manifest):
    return [q for q in manifest['qubes'] if q['included']]


def check_qube(dest, qube, manifest):
    folder = os.path.join(dest, folder_of(qube))
    if qube['element'] == 'QubesAdminVm':
        home = manifest['dom0_home']
        assert os.listdir(folder) == [home['user']], os.listdir(folder)
        check_tree(os.path.join(folder, home['user']), home['tree'])
        return
    files = qube['files']
    if '.' in files:
        # A template's whole folder.
        check_tree(folder, files['.']['tree'])
        return
    assert set(os.listdir(folder)) == set(files), (folder, os.listdir(folder), list(files))
    for name, info in files.items():
        check_entry(os.path.join(folder, name), info)


def check_restored(dest, manifest, qubes=None):
    qubes = qubes if qubes is not None else included(manifest)
    visible = sorted(n for n in os.listdir(dest) if not n.startswith('.'))
    assert visible == sorted(folder_of(q) for q in qubes), visible
    for qube in qubes:
        check_qube(dest, qube, manifest)


def device_notes(manifest):
    tree = manifest['dom0_home']['tree'] if manifest.get('dom0_home') else {}
    return [rel for rel, info in tree.items() if info['type'] == 'device']


# ---- every combination the fixtures make ----

COMBINATIONS = [
    ('format 3, encrypted, gzip, SHA512',
     ['--format-version', '3']),
    ('format 3, encrypted, bzip2, SHA256',
     ['--format-version', '3', '--compression', 'bzip2', '--hmac-algorithm', 'SHA256']),
    ('format 3, encrypted, not compressed, SHA1, empty last parts, OpenSSL 3 checksums',
     ['--format-version', '3', '--compression', 'none', '--hmac-algorithm', 'SHA1',
      '--empty-trailing-chunk', '--hmac-text', 'openssl-3']),
    ('format 3, not encrypted, gzip',
     ['--format-version', '3', '--no-encryption']),
    ('format 3, not encrypted, not compressed, empty last parts',
     ['--format-version', '3', '--no-encryption', '--compression', 'none',
      '--empty-trailing-chunk']),
    ('format 3, xz, links followed as R3.1 did',
     ['--format-version', '3', '--compression', 'xz', '--dereference']),
    ('format 3, dom0 found by its parts, as R3.0-rc1 left it unlisted',
     ['--format-version', '3', '--no-encryption', '--dom0-unlisted']),
    ('format 2, encrypted, tar volumes',
     ['--format-version', '2', '--compression', 'none', '--tape-length', '500']),
    ('format 2, encrypted and compressed by openssl enc -z',
     ['--format-version', '2', '--tape-length', '500']),
    ('format 2, gzip, SHA1',
     ['--format-version', '2', '--no-encryption', '--tape-length', '500',
      '--hmac-algorithm', 'SHA1']),
    ('format 2, not encrypted, not compressed',
     ['--format-version', '2', '--no-encryption', '--compression', 'none',
      '--tape-length', '500']),
    ('format 2 without a header (R2-Beta3), encrypted',
     ['--format-version', '2', '--no-header', '--hmac-algorithm', 'none', '--compression',
      'none']),
    ('format 2 without a header, encrypted and compressed',
     ['--format-version', '2', '--no-header', '--hmac-algorithm', 'none']),
    ('format 2 without a header, gzip',
     ['--format-version', '2', '--no-header', '--hmac-algorithm', 'none', '--no-encryption']),
    ('format 1, a folder',
     ['--format-version', '1']),
]


def name_of(label):
    return ''.join(c if c.isalnum() else '-' for c in label)


def made(label):
    """The backup of the combination @label."""
    return backup(name_of(label), *dict(COMBINATIONS)[label])


V3 = 'format 3, encrypted, gzip, SHA512'
V2 = 'format 2, encrypted and compressed by openssl enc -z'
V2_HEADERLESS = 'format 2 without a header (R2-Beta3), encrypted'
V1 = 'format 1, a folder'


def restore_combination(label, args):
    def test():
        path, manifest = backup(name_of(label), *args)
        version = manifest['format_version']
        dest = ws.path('restore-' + name_of(label))
        result = restore(path, dest)
        assert result.returncode == 0, result.stderr
        check_restored(dest, manifest)
        # A device file in dom0's home is named, not made.
        for rel in device_notes(manifest):
            assert rel.split('/')[-1] in result.stdout, result.stdout
        assert (UNCHECKED in result.stderr) == (version == 1), result.stderr

        result = cli('verify', path, '--passphrase-file', ws.passphrase_file)
        assert result.returncode == 0, result.stderr
        assert ('no damage found' in result.stdout) == (version > 1), result.stdout

        result = cli('info', path, '--json', '--passphrase-file', ws.passphrase_file)
        assert result.returncode == 0, result.stderr
        info = json.loads(result.stdout)
        assert info['version'] == version, info
        assert info['encrypted'] == manifest['encrypted'], info
        assert info['compressed'] == (manifest['compression'] != 'none' and version > 1), info
        assert info['integrity_check'] == (version > 1), info
        listed = {q['name']: q for q in info['qubes'] if q['included']}
        assert set(listed) == {q['name'] for q in included(manifest)}, listed
        for qube in included(manifest):
            assert listed[qube['name']]['label'] == qube['label'], listed[qube['name']]
    return test


# ---- selecting, and the formats' own ways ----

def test_selective_format_3():
    path, manifest = made(V3)
    dest = ws.path('selective-3')
    result = restore(path, dest, 'work', 'dom0')
    assert result.returncode == 0, result.stderr
    check_restored(dest, manifest, [q for q in included(manifest)
                                    if q['name'] in ('work', 'dom0')])


def test_info_text():
    path, _ = made(V3)
    result = cli('info', path, '--passphrase-file', ws.passphrase_file)
    assert result.returncode == 0, result.stderr
    assert 'Format version:  3 (Qubes OS R2 to R3.2)' in result.stdout, result.stdout
    assert 'Backup ID' not in result.stdout, result.stdout
    # Qube names of 31 characters keep the columns in line.
    assert 'personal-documents-archive-2016 AppVM' in result.stdout, result.stdout

    folder, _ = made(V1)
    result = cli('info', folder)
    assert result.returncode == 0, result.stderr
    assert 'Format version:  1' in result.stdout and UNCHECKED in result.stdout, result.stdout


def test_format_1_by_its_list():
    """The qubes.xml inside a format 1 folder opens the folder, without a
    passphrase; a folder without one is refused as a usage error."""
    folder, manifest = made(V1)
    dest = ws.path('by-list')
    result = cli('restore', os.path.join(folder, 'qubes.xml'), '--dest', dest, 'work')
    assert result.returncode == 0, result.stderr
    check_restored(dest, manifest, [q for q in included(manifest) if q['name'] == 'work'])

    empty = ws.path('just-a-folder')
    os.mkdir(empty)
    result = cli('info', empty)
    assert result.returncode == 1 and 'folder' in result.stderr, result


def test_format_1_never_follows_links():
    """A link in the backup folder is restored as the link it is: what it
    points to outside the folder is never read."""
    folder, manifest = made(V1)
    copy = ws.path('format-1-linked')
    # cp, not shutil, which would open the named pipe in dom0's home.
    subprocess.run(['cp', '-a', folder, copy], check=True)
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    image = os.path.join(copy, work['folder'], 'private.img')
    os.unlink(image)
    os.symlink('/etc/passwd', image)
    os.symlink('/etc', os.path.join(copy, 'dom0-home', 'user', 'Documents', 'etc'))
    dest = ws.path('linked')
    result = cli('restore', copy, '--dest', dest, 'work', 'dom0')
    assert result.returncode == 0, result.stderr
    assert os.readlink(os.path.join(dest, 'work', 'private.img')) == '/etc/passwd'
    assert os.readlink(os.path.join(dest, 'dom0-home', 'user', 'Documents', 'etc')) == '/etc'


def test_pipe_refused():
    path, _ = made(V3)
    dest = ws.path('from-pipe')
    # A real pipe: a file given as standard input is still a file.
    sender = subprocess.Popen(['cat', path], stdout=subprocess.PIPE)
    result = cli('restore', '/dev/stdin', '--dest', dest, '--passphrase-file',
                 ws.passphrase_file, stdin=sender.stdout)
    sender.stdout.close()
    sender.wait()
    assert result.returncode == NOT_SUPPORTED, result
    assert 'save it to a file first' in result.stderr.lower(), result.stderr
    assert not os.path.exists(dest)


# ---- bad input ----

def members_of(path):
    with tarfile.open(path, ignore_zeros=True) as archive:
        return [(m.name, archive.extractfile(m).read()) for m in archive.getmembers()]


def rebuild(path, name, transform):
    """A copy of a backup whose members are transform(members), written the
    way the backup tool writes them."""
    out = ws.path(name)
    members = transform(members_of(path))
    with tempfile.TemporaryDirectory(dir=ws.root) as stage:
        for member, data in members:
            os.makedirs(os.path.dirname(os.path.join(stage, member)), exist_ok=True)
            with open(os.path.join(stage, member), 'wb') as f:
                f.write(data)
        with open(out, 'wb') as f:
            for member, _ in members:
                subprocess.run(['tar', '-cO', '--posix', '-C', stage, member], stdout=f,
                               check=True)
    return out


def v3():
    return made(V3)


def v2():
    return made(V2)


def assert_nothing_left(dest):
    assert qrtest.leftovers(dest) == [], qrtest.leftovers(dest)


def wrong_passphrase(which):
    def test():
        path, _ = which()
        wrong = ws.path('wrong-passphrase')
        with open(wrong, 'w', encoding='utf-8') as f:
            f.write('not the passphrase\n')
        dest = ws.path('wrong-' + os.path.basename(path))
        result = cli('restore', path, '--dest', dest, '--passphrase-file', wrong)
        assert result.returncode == WRONG_PASSPHRASE, result
        assert 'passphrase' in result.stderr, result.stderr
        assert not os.path.exists(dest)
    return test


def only_work_fails(path, manifest, label, *words):
    dest = ws.path('bad-' + label)
    result = restore(path, dest)
    assert result.returncode == DAMAGED, result
    assert 'work: FAILED' in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    check_restored(dest, manifest, [q for q in included(manifest) if q['name'] != 'work'])
    result = cli('verify', path, '--passphrase-file', ws.passphrase_file, 'work')
    assert result.returncode == DAMAGED, result


def flipped_bit(which, label):
    def test():
        path, manifest = which()
        offsets = qrtest.member_offsets(path)
        copy = ws.path('flipped-' + label)
        shutil.copy(path, copy)
        offset, size = offsets['vm5/private.img.001']
        with open(copy, 'r+b') as f:
            f.seek(offset + size // 2)
            byte = f.read(1)[0]
            f.seek(offset + size // 2)
            f.write(bytes([byte ^ 1]))
        only_work_fails(copy, manifest, 'flipped-' + label, 'checksum')
    return test


def test_flipped_bit_in_header():
    """The passphrase still proves the list of qubes: the header is damaged,
    the passphrase is not wrong."""
    path, _ = v3()
    copy = ws.path('flipped-header')
    shutil.copy(path, copy)
    offset, _ = qrtest.member_offsets(path)['backup-header']
    with open(copy, 'r+b') as f:
        f.seek(offset + 2)
        byte = f.read(1)[0]
        f.seek(offset + 2)
        f.write(bytes([byte ^ 1]))
    result = cli('info', copy, '--passphrase-file', ws.passphrase_file)
    assert result.returncode == DAMAGED, result
    assert 'header' in result.stderr, result.stderr


def test_header_digest_changed():
    """A header whose own checksum was made with another digest than the
    one it names is damaged, not proof of a wrong passphrase."""
    path, _ = made('format 3, encrypted, bzip2, SHA256')

    def rename_digest(members):
        data = dict(members)
        header = data['backup-header'].replace(b'hmac-algorithm=SHA256', b'hmac-algorithm=SHA512')
        mac = hmac.new(qrtest.PASSPHRASE.encode(), header, hashlib.sha256).hexdigest()
        data['backup-header'] = header
        data['backup-header.hmac'] = ('(stdin)= ' + mac + '\n').encode()
        return [(n, data[n]) for n, _ in members]
    copy = rebuild(path, 'digest-changed', rename_digest)
    result = cli('info', copy, '--passphrase-file', ws.passphrase_file)
    assert result.returncode == DAMAGED, result
    assert 'SHA512' in result.stderr and 'SHA256' in result.stderr, result.stderr


def dropped(which, label, *names):
    def test():
        path, manifest = which()
        copy = rebuild(path, 'dropped-' + label,
                       lambda members: [m for m in members if m[0] not in names])
        only_work_fails(copy, manifest, 'dropped-' + label)
    return test


def last_part(manifest):
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    return work['files']['private.img']['members'][-1]


def test_last_part_missing():
    path, manifest = v3()
    last = last_part(manifest)
    copy = rebuild(path, 'no-last-part',
                   lambda members: [m for m in members if m[0] not in (last, last + '.hmac')])
    only_work_fails(copy, manifest, 'no-last-part')


def test_parts_out_of_order():
    path, manifest = v3()

    def swap(members):
        names = [m[0] for m in members]
        a = names.index('vm5/private.img.000')
        b = names.index('vm5/private.img.001')
        members[a:a + 2], members[b:b + 2] = members[b:b + 2], members[a:a + 2]
        return members
    copy = rebuild(path, 'out-of-order', swap)
    only_work_fails(copy, manifest, 'out-of-order', 'order')


def test_checksum_out_of_place():
    """A part's checksum must come right after the part."""
    path, manifest = v3()

    def move_to_end(members):
        moved = [m for m in members if m[0] == 'vm5/private.img.001.hmac']
        return [m for m in members if m[0] != 'vm5/private.img.001.hmac'] + moved
    copy = rebuild(path, 'checksum-out-of-place', move_to_end)
    only_work_fails(copy, manifest, 'checksum-out-of-place', 'checksum')


def test_part_of_another_file():
    """Names are not proven in these formats: a part of another file, with
    its own valid checksum, under this file's name, must still fail."""
    path, manifest = v3()

    def exchange(members):
        data = dict(members)
        return [(n, data['vm6/private.img.001' + n[len('vm5/private.img.001'):]]
                 if n.startswith('vm5/private.img.001') else d) for n, d in members]
    copy = rebuild(path, 'foreign-part', exchange)
    only_work_fails(copy, manifest, 'foreign-part')


def test_truncated():
    path, manifest = v3()
    offsets = qrtest.member_offsets(path)
    archive = [q for q in manifest['qubes'] if q['name'] == 'personal-documents-archive-2016'][0]
    offset, size = offsets[archive['files']['private.img']['members'][-1]]
    copy = ws.path('truncated')
    shutil.copy(path, copy)
    with open(copy, 'r+b') as f:
        f.truncate(offset + size // 2)
    dest = ws.path('truncated-dest')
    result = restore(copy, dest)
    assert result.returncode == DAMAGED, result
    assert 'cut short' in result.stderr, result.stderr
    # What lies before the cut is whole; the qube it cut and those after are not.
    for qube in included(manifest):
        if os.path.exists(os.path.join(dest, folder_of(qube))):
            check_qube(dest, qube, manifest)
    assert 'personal-documents-archive-2016' not in os.listdir(dest)


def test_format_2_volume_missing():
    path, manifest = v2()
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    members = work['files']['private.img']['members']
    assert len(members) >= 2, members
    middle = members[len(members) // 2]
    copy = rebuild(path, 'volume-missing',
                   lambda ms: [m for m in ms if m[0] not in (middle, middle + '.hmac')])
    only_work_fails(copy, manifest, 'volume-missing')


def test_nothing_left_after_failure():
    path, _ = v3()
    copy = ws.path('all-bad')
    shutil.copy(path, copy)
    offsets = qrtest.member_offsets(path)
    with open(copy, 'r+b') as f:
        for name, (offset, size) in offsets.items():
            if name.startswith('vm5/') and not name.endswith('.hmac') and size > 0:
                f.seek(offset)
                byte = f.read(1)[0]
                f.seek(offset)
                f.write(bytes([byte ^ 0x80]))
    dest = ws.path('all-bad-dest')
    result = restore(copy, dest, 'work')
    assert result.returncode == DAMAGED, result
    assert_nothing_left(dest)


tests = [(label, restore_combination(label, args)) for label, args in COMBINATIONS] + [
    ('restore of chosen qubes', test_selective_format_3),
    ('info in words', test_info_text),
    ('format 1 by its qubes.xml, and a folder that is no backup', test_format_1_by_its_list),
    ('format 1: links in the folder are never followed', test_format_1_never_follows_links),
    ('from a pipe: save it to a file first', test_pipe_refused),
    ('format 3: wrong passphrase', wrong_passphrase(v3)),
    ('format 2: wrong passphrase', wrong_passphrase(v2)),
    ('format 2 without a header: wrong passphrase',
     wrong_passphrase(lambda: made(V2_HEADERLESS))),
    ('format 3: flipped bit in a part', flipped_bit(v3, 'v3')),
    ('format 2: flipped bit in a part', flipped_bit(v2, 'v2')),
    ('flipped bit in the header', test_flipped_bit_in_header),
    ('a header that names another digest than its own', test_header_digest_changed),
    ('format 3: a checksum file missing', dropped(v3, 'hmac-v3', 'vm5/private.img.000.hmac')),
    ('format 2: a checksum file missing', dropped(v2, 'hmac-v2', 'vm5/private.img.001.hmac')),
    ('format 3: the last part missing', test_last_part_missing),
    ('format 3: parts out of order', test_parts_out_of_order),
    ('format 3: a checksum out of its place', test_checksum_out_of_place),
    ('format 3: a part of another file', test_part_of_another_file),
    ('format 3: cut short', test_truncated),
    ('format 2: a volume missing', test_format_2_volume_missing),
    ('nothing left of a qube that failed', test_nothing_left_after_failure),
]

try:
    status = qrtest.run_tests(tests)
finally:
    ws.cleanup()
raise SystemExit(status)
