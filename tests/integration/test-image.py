#!/usr/bin/env python3
# test-image.py
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

"""qubes-rescue-cli ls and copy on disk images made by mke2fs, sgdisk and
debugfs: listing, copying out as another account than the image's, and
hostile images; and on the partly recovered image of a real salvage,
intact files told from damaged ones. Prints TAP."""

import hashlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys

import qrtest
from qrtest import CLI, Workspace, cli, leftovers, run_tests

OTHER_UID = 1234
OTHER_USER = 'qr-image-test'

ws = Workspace()
os.chmod(ws.root, 0o755)
made_account = []


def run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_tree():
    tree = ws.path('tree')
    if os.path.exists(tree):
        return tree
    docs = os.path.join(tree, 'home', 'user', 'Documents')
    os.makedirs(os.path.join(docs, 'Letters'))
    os.makedirs(os.path.join(tree, 'usr', 'bin'))
    with open(os.path.join(docs, 'report.txt'), 'w') as f:
        f.write('Quarterly report\n')
    with open(os.path.join(docs, 'Letters', 'bank.txt'), 'wb') as f:
        f.write(os.urandom(200000))
    os.symlink('report.txt', os.path.join(docs, 'latest'))
    return tree


def make_private(name='private.img'):
    """A private volume: home/user private to uid 1000, as Qubes makes it."""
    tree = ws.path('private-tree')
    if not os.path.exists(tree):
        run('cp', '-a', make_tree(), tree)
        run('rm', '-rf', os.path.join(tree, 'usr'))
    image = ws.path(name)
    run('truncate', '-s', '32M', image)
    run('mke2fs', '-q', '-F', '-t', 'ext4', '-d', tree, image)
    for command in ('sif /home/user uid 1000', 'sif /home/user gid 1000',
                    'sif /home/user mode 040700'):
        run('debugfs', '-w', '-R', command, image)
    return image


def sha256_tree(root):
    sums = {}
    for parent, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(parent, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                sums[rel] = 'link:' + os.readlink(path)
            else:
                with open(path, 'rb') as f:
                    sums[rel] = hashlib.sha256(f.read()).hexdigest()
    return sums


def one_sentence(stderr):
    lines = stderr.strip().splitlines()
    return len(lines) >= 1 and 'org.freedesktop' not in stderr and 'sudo' not in stderr


def ensure_other_account():
    """The account uid 1234, made with useradd when missing."""
    try:
        return pwd.getpwuid(OTHER_UID).pw_name
    except KeyError:
        run('useradd', '--uid', str(OTHER_UID), '--no-create-home', '--shell', '/bin/false',
            OTHER_USER)
        made_account.append(OTHER_USER)
        return OTHER_USER


def test_copy_as_other_account():
    if os.geteuid() != 0:
        print('# SKIP: making and becoming another account needs root')
        return
    user = ensure_other_account()
    image = make_private()
    dest = ws.path('other-dest')
    os.makedirs(dest)
    os.chown(dest, OTHER_UID, OTHER_UID)

    r = subprocess.run(['setpriv', f'--reuid={OTHER_UID}', f'--regid={OTHER_UID}',
                        '--clear-groups', '--', CLI, 'copy', image, 'home/user/Documents',
                        '--to', dest],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r
    copied = os.path.join(dest, 'Documents')
    expected = sha256_tree(os.path.join(make_tree(), 'home', 'user', 'Documents'))
    assert sha256_tree(copied) == expected, (sha256_tree(copied), expected)
    for parent, dirs, files in os.walk(copied):
        for name in dirs + files + ['.']:
            st = os.lstat(os.path.join(parent, name))
            assert st.st_uid == OTHER_UID, (parent, name, st.st_uid, user)

    # Mounting would not let this account into home/user: the folder is
    # uid 1000's, mode 700, which is what the copy gets around.
    r = cli('ls', image, 'home', '--json')
    entries = json.loads(r.stdout)['entries']
    home = [e for e in entries if e['name'] == 'user'][0]
    assert home['uid'] == 1000 and home['mode'] == 0o700, home


def test_ls():
    image = make_private('ls.img')
    r = cli('ls', image)
    assert r.returncode == 0, r
    assert 'Documents/' in r.stdout, r.stdout

    r = cli('ls', image, '/home/user/Documents', '--json')
    assert r.returncode == 0, r
    listing = json.loads(r.stdout)
    names = {e['name']: e for e in listing['entries']}
    assert set(names) == {'report.txt', 'Letters', 'latest'}, names
    assert names['latest']['type'] == 'link' and names['latest']['target'] == 'report.txt'
    assert names['report.txt']['size'] == len('Quarterly report\n')
    assert names['Letters']['type'] == 'folder'

    r = cli('ls', image, 'home/user/Documents/report.txt')
    assert r.returncode == 0 and 'report.txt' in r.stdout, r

    r = cli('ls', image, 'home/user/Nothing')
    assert r.returncode == 1 and one_sentence(r.stderr), r


def test_gpt_root():
    image = ws.path('root.img')
    part = ws.path('root.part')
    run('truncate', '-s', '48M', image)
    run('sgdisk', '--clear', '--new=1:2048:4095', '--typecode=1:ef02',
        '--new=2:4096:20479', '--typecode=2:8200', '--new=3:20480:81919',
        '--typecode=3:8300', image)
    run('truncate', '-s', '30M', part)
    run('mke2fs', '-q', '-F', '-t', 'ext4', '-d', make_tree(), part)
    run('dd', 'status=none', 'conv=notrunc,sparse', 'bs=512', 'seek=20480',
        f'if={part}', f'of={image}')

    # A root filesystem is shown from its root.
    r = cli('ls', image, '--json')
    assert r.returncode == 0, r
    listing = json.loads(r.stdout)
    assert listing['path'] == '/'
    assert {'usr', 'home'} <= {e['name'] for e in listing['entries']}, listing

    dest = ws.path('root-dest')
    r = cli('copy', image, 'home/user/Documents/Letters', '--to', dest)
    assert r.returncode == 0, r
    assert os.path.getsize(os.path.join(dest, 'Letters', 'bank.txt')) == 200000


def test_hostile():
    corrupt = make_private('corrupt.img')
    run('debugfs', '-w', '-R', 'ssv inodes_count 12345', corrupt)
    r = cli('ls', corrupt)
    assert r.returncode == 3 and one_sentence(r.stderr), r
    assert 'corrupt.img' in r.stderr, r

    cycle = make_private('cycle.img')
    run('debugfs', '-w', '-R', 'symlink /home/user/a /home/user/b', cycle)
    run('debugfs', '-w', '-R', 'symlink /home/user/b /home/user/a', cycle)
    r = cli('ls', cycle, 'home/user/a')
    assert r.returncode == 3 and one_sentence(r.stderr), r

    huge = make_private('huge.img')
    run('debugfs', '-w', '-R', 'sif /home/user/Documents/report.txt size 0x1000000000000000', huge)
    dest = ws.path('huge-dest')
    r = cli('copy', huge, 'home/user/Documents', '--to', dest)
    assert r.returncode == 3, r
    assert 'NOT COPIED' in r.stderr and 'report.txt' in r.stderr, r
    # Everything else is there; nothing half-written is.
    assert os.path.isfile(os.path.join(dest, 'Documents', 'Letters', 'bank.txt'))
    assert not os.path.exists(os.path.join(dest, 'Documents', 'report.txt'))
    assert not [p for p in leftovers(dest) if '.qr-partial' in p], leftovers(dest)

    blank = ws.path('blank.img')
    run('truncate', '-s', '16M', blank)
    r = cli('ls', blank)
    assert r.returncode == 1 and 'empty' in r.stderr and one_sentence(r.stderr), r


def test_interrupt():
    tree = ws.path('large-tree')
    os.makedirs(os.path.join(tree, 'home', 'user'))
    with open(os.path.join(tree, 'home', 'user', 'large.bin'), 'wb') as f:
        for _ in range(256):
            f.write(os.urandom(1 << 20))
    image = ws.path('large.img')
    run('truncate', '-s', '300M', image)
    run('mke2fs', '-q', '-F', '-t', 'ext4', '-d', tree, image)
    dest = ws.path('interrupted')

    p = subprocess.Popen([CLI, 'copy', image, 'home/user', '--to', dest],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    # The first progress line: the copy has begun.
    first = p.stderr.readline()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 130, (first, out, err)
    assert leftovers(dest) == [], leftovers(dest)


# ---- A partly recovered image ----

DAMAGED = 3


def salvaged():
    """The private.img of work salvaged from an uncompressed backup with one
    byte of its middle part flipped: (image, lost ranges, manifest)."""
    folder = ws.path('salvaged', 'work (partly recovered)')
    image = os.path.join(folder, 'private.img')
    backup, manifest = ws.backup('none-small', '--compression', 'none', preset='small')
    if not os.path.exists(image):
        damaged = ws.path('damaged-backup')
        shutil.copy(backup, damaged)
        members = qrtest.member_offsets(damaged)
        parts = sorted(m for m in members if m.startswith('vm12/private.img.'))
        offset, size = members[parts[len(parts) // 2]]
        with open(damaged, 'r+b') as f:
            f.seek(offset + size // 2)
            byte = f.read(1)[0]
            f.seek(offset + size // 2)
            f.write(bytes([byte ^ 0x40]))
        r = cli('restore', damaged, '--dest', ws.path('salvaged'), '--salvage',
                '--passphrase-file', ws.passphrase_file)
        assert r.returncode == DAMAGED, r
    with open(os.path.join(folder, '.qubes-rescue-lost.json'), encoding='utf-8') as f:
        lost = json.load(f)['files']['private.img']['lost']
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    return image, lost, work['files']['private.img']['contents']


def debugfs(image, command):
    r = subprocess.run(['debugfs', '-R', command, image], capture_output=True, text=True,
                       check=True)
    return r.stdout


def block_size(image):
    for line in debugfs(image, 'stats').splitlines():
        if line.startswith('Block size:'):
            return int(line.split(':')[1])
    raise AssertionError('no block size')


def lost_in(lost, offset, length):
    return sum(max(0, min(o + n, offset + length) - max(o, offset)) for o, n in lost)


def listing(image, path):
    r = cli('ls', image, path, '--json')
    assert r.returncode == 0, r
    return json.loads(r.stdout)['entries']


def walk_listing(image, path='/home/user'):
    """(path, entry) of everything under path, as ls --json gives it."""
    for entry in listing(image, path):
        child = path + '/' + entry['name']
        yield child, entry
        if entry['type'] == 'folder' and not entry['damaged']:
            yield from walk_listing(image, child)


def test_salvaged_ls():
    """Damaged exactly where a block of the file lies in what was lost,
    missing exactly what lies there."""
    image, lost, contents = salvaged()
    bs = block_size(image)
    n_damaged = 0
    for path, entry in walk_listing(image):
        blocks = [int(b) for b in debugfs(image, f'blocks "{path}"').split()]
        damaged = any(lost_in(lost, b * bs, bs) for b in blocks)
        assert entry['damaged'] == damaged, (path, entry, blocks)
        if entry['type'] == 'file' and len(blocks) == -(-entry['size'] // bs):
            missing = sum(lost_in(lost, b * bs, min(bs, entry['size'] - i * bs))
                          for i, b in enumerate(blocks))
            assert entry['missing'] == missing, (path, entry)
        if not damaged:
            assert entry['missing'] == 0, (path, entry)
        n_damaged += damaged
    assert n_damaged > 0

    # As text: a marker after the damaged names only.
    for path, entry in walk_listing(image):
        if entry['type'] != 'file':
            continue
        r = cli('ls', image, os.path.dirname(path))
        line = [ln for ln in r.stdout.splitlines()
                if ln.split('  [DAMAGED:')[0].endswith('  ' + entry['name'])][0]
        assert ('[DAMAGED:' in line) == entry['damaged'], line


def is_hole(fd, offset, length):
    """Whether a stretch reads as zeros and, but for the blocks of 4 KiB it
    shares with data at its ends, holds nothing on the disk."""
    if os.pread(fd, length, offset).strip(b'\0'):
        return False
    start = (offset + 4095) // 4096 * 4096
    end = (offset + length) // 4096 * 4096
    if end <= start:
        return True
    try:
        return os.lseek(fd, start, os.SEEK_DATA) >= end
    except OSError:
        return True


def damaged_files(image):
    return {path: entry for path, entry in walk_listing(image) if entry['damaged']}


def check_intact_copies(dest, image, contents):
    """Every intact file of home/user copied, as the backup held it."""
    damaged = damaged_files(image)
    for name, info in contents.items():
        if not name.startswith('home/user/'):
            continue
        path = os.path.join(dest, 'user', name[len('home/user/'):])
        if '/' + name in damaged:
            assert not os.path.exists(path), path
            continue
        with open(path, 'rb') as f:
            assert hashlib.sha256(f.read()).hexdigest() == info['sha256'], name


def test_salvaged_copy():
    image, lost, contents = salvaged()
    damaged = damaged_files(image)
    assert damaged

    # Without --damaged: left out, each named with what it lost.
    dest = ws.path('salvaged-copy')
    r = cli('copy', image, 'home/user', '--to', dest)
    assert r.returncode == DAMAGED, r
    for path, entry in damaged.items():
        assert f'{path[1:]}: not copied: damaged, {entry["missing"]} of {entry["size"]} bytes ' \
            'lost' in r.stderr, r.stderr
    check_intact_copies(dest, image, contents)
    assert not [p for p in leftovers(dest) if '(damaged)' in p or '.qr-partial' in p]

    # With it: "name (damaged).ext", holes where the data was lost.
    dest = ws.path('salvaged-copy-damaged')
    r = cli('copy', image, 'home/user', '--to', dest, '--damaged')
    assert r.returncode == DAMAGED, r
    check_intact_copies(dest, image, contents)
    bs = block_size(image)
    for path, entry in damaged.items():
        stem, ext = os.path.splitext(os.path.basename(path))
        copy = os.path.join(dest, 'user', os.path.dirname(path)[len('/home/user/'):],
                            f'{stem} (damaged){ext}')
        assert f'copied damaged as “{os.path.basename(copy)}”' in r.stderr, r.stderr
        expected = ws.path('expected-' + stem)
        debugfs(image, f'dump "{path}" "{expected}"')
        assert qrtest.sha256(copy) == qrtest.sha256(expected), copy
        assert qrtest.sha256(copy) != contents[path[1:]]['sha256'], copy
        blocks = [int(b) for b in debugfs(image, f'blocks "{path}"').split()]
        assert len(blocks) == -(-entry['size'] // bs), 'a file with a block map or holes'
        with open(copy, 'rb') as f:
            for i, b in enumerate(blocks):
                if lost_in(lost, b * bs, bs) == bs:
                    assert is_hole(f.fileno(), i * bs, bs), (copy, i)
            # What was lost takes no room on the disk.
            assert os.fstat(f.fileno()).st_blocks * 512 <= entry['size'] - entry['missing'] + \
                2 * 4096, copy

    # Chosen by itself, and never over what is there.
    path = next(iter(damaged))
    dest = ws.path('salvaged-one')
    r = cli('copy', image, path, '--to', dest)
    assert r.returncode == DAMAGED and 'not copied: damaged' in r.stderr, r
    assert leftovers(dest) == [], leftovers(dest)
    r = cli('copy', image, path, '--to', dest, '--damaged')
    assert r.returncode == DAMAGED, r
    name = leftovers(dest)
    assert len(name) == 1 and ' (damaged)' in name[0], name
    before = qrtest.sha256(os.path.join(dest, name[0]))
    with open(os.path.join(dest, name[0]), 'r+b') as f:
        f.write(b'mine')
    mine = qrtest.sha256(os.path.join(dest, name[0]))
    r = cli('copy', image, path, '--to', dest, '--damaged')
    assert r.returncode == 1 and 'already' in r.stderr, r
    assert qrtest.sha256(os.path.join(dest, name[0])) == mine != before


def test_usage():
    r = cli('copy', 'private.img', 'home/user')
    assert r.returncode == 1, r
    r = cli('ls')
    assert r.returncode == 1, r


def main():
    try:
        return run_tests([
            ('copy out as another account than the image\'s', test_copy_as_other_account),
            ('ls, as text and JSON', test_ls),
            ('a GPT root.img', test_gpt_root),
            ('hostile and damaged images', test_hostile),
            ('Ctrl+C during a copy', test_interrupt),
            ('ls of a partly recovered image tells damaged files', test_salvaged_ls),
            ('copy of a partly recovered image, with and without --damaged', test_salvaged_copy),
            ('usage errors', test_usage),
        ])
    finally:
        ws.cleanup()
        for user in made_account:
            run('userdel', user)


if __name__ == '__main__':
    sys.exit(main())
