#!/usr/bin/env python3
# Salvage: a damaged or cut-short backup gives back every byte that can be
# verified, at its own place, and nothing unverified.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import json
import os
import shutil
import subprocess

import qrtest
from qrtest import cli

ws = qrtest.Workspace()

DAMAGED = 3
MIB = 1024 * 1024


def restore(backup, dest, *args):
    return cli('restore', backup, '--dest', dest, '--passphrase-file', ws.passphrase_file, *args)


def uncompressed():
    return ws.backup('none', '--compression', 'none')


def work_members(manifest):
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    return work['files']['private.img']['members']


def damaged_copy(backup, name, member, flip=True):
    """A copy of @backup with one byte of @member's ciphertext flipped, or
    cut short right after @member when @flip is false."""
    path = ws.path(name)
    shutil.copy(backup, path)
    offset, size = qrtest.member_offsets(path)[member]
    if flip:
        with open(path, 'r+b') as f:
            f.seek(offset + size // 2)
            byte = f.read(1)[0]
            f.seek(offset + size // 2)
            f.write(bytes([byte ^ 0x40]))
    else:
        os.truncate(path, offset + size)
    return path


def reference(name, backup):
    """The backup restored whole, to compare with."""
    dest = ws.path(name + '-whole')
    if not os.path.exists(dest):
        result = restore(backup, dest)
        assert result.returncode == 0, result.stderr
    return dest


def salvage(name, damaged):
    dest = ws.path(name + '-salvaged')
    result = restore(damaged, dest, '--salvage', '--json')
    assert result.returncode == DAMAGED, result.stderr
    report = json.loads(result.stdout)
    work = [q for q in report['qubes'] if q['name'] == 'work'][0]
    assert work['state'] == 'partial', work
    assert work['folder'] == os.path.join(dest, 'work (partly recovered)'), work
    assert not os.path.exists(os.path.join(dest, 'work')), 'a partial qube under its own name'
    return dest, work


def recovery_of(work, name):
    return [f for f in work['recovery'] if f['file'] == name][0]


def is_hole(fd, offset, length):
    """Whether a stretch of a file reads as zeros and, but for the blocks it
    shares with recovered data at its ends, holds nothing on the disk."""
    if os.pread(fd, length, offset).strip(b'\0'):
        return False
    start = (offset + 4095) // 4096 * 4096
    end = (offset + length) // 4096 * 4096
    if end <= start:
        return True
    try:
        data = os.lseek(fd, start, os.SEEK_DATA)
    except OSError:
        return True
    return data >= end


def check_image(salvaged, whole, missing):
    """Every byte outside @missing equals the whole restore; every byte
    inside is a hole."""
    with open(salvaged, 'rb') as a, open(whole, 'rb') as b:
        assert os.fstat(a.fileno()).st_size == os.fstat(b.fileno()).st_size
        for offset, length in missing:
            assert is_hole(a.fileno(), offset, length), (offset, length)
        ranges = sorted(missing)
        pos = 0
        size = os.fstat(b.fileno()).st_size
        for offset, length in ranges + [(size, 0)]:
            while pos < offset:
                n = min(MIB, offset - pos)
                a.seek(pos)
                b.seek(pos)
                assert a.read(n) == b.read(n), f'recovered bytes at {pos} differ'
                pos += n
            pos = offset + length


def check_intact_files(salvaged_folder, whole_folder, names):
    for name in names:
        assert qrtest.sha256(os.path.join(salvaged_folder, name)) == \
            qrtest.sha256(os.path.join(whole_folder, name)), name


def debugfs_cat(image, path):
    return subprocess.run(['debugfs', '-R', 'cat ' + path, image], capture_output=True,
                          env=dict(os.environ, PATH=os.environ['PATH'] + ':/sbin:/usr/sbin'))


def test_uncompressed_flipped_bit():
    """Uncompressed: one bad part loses exactly its own bytes; every later
    part is back at its place."""
    backup, manifest = uncompressed()
    members = work_members(manifest)
    k = len(members) // 2
    damaged = damaged_copy(backup, 'none-flip', members[k])
    whole = reference('none', backup)
    dest, work = salvage('none-flip', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial' and image['parts'] == len(members), image
    assert image['verified_parts'] == len(members) - 1, image
    assert len(image['missing_ranges']) == 1, image
    assert image['missing_ranges'][0][1] <= 65536, image
    folder = os.path.join(dest, 'work (partly recovered)')
    check_image(os.path.join(folder, 'private.img'), os.path.join(whole, 'work', 'private.img'),
                image['missing_ranges'])
    # Data after the bad part came back: the restore did not stop there.
    last_missing = sum(image['missing_ranges'][0])
    assert image['recovered'] > last_missing // 64, image
    check_intact_files(folder, os.path.join(whole, 'work'), ['notes.txt', 'firewall.xml'])
    for name in ('notes.txt', 'firewall.xml'):
        assert recovery_of(work, name)['state'] == 'complete'
    text = open(os.path.join(folder, 'RECOVERY-REPORT.txt'), encoding='utf-8').read()
    assert 'private.img: partly recovered' in text and 'notes.txt: complete' in text, text
    assert f'part {k + 1} of {len(members)}' in text, text
    offset, length = image['missing_ranges'][0]
    assert f'bytes {offset} to {offset + length - 1}' in text, text
    # The same for programs, beside the files.
    with open(os.path.join(folder, '.qubes-rescue-lost.json'), encoding='utf-8') as f:
        lost = json.load(f)
    assert lost['files']['private.img']['lost'] == image['missing_ranges'], lost
    assert 'notes.txt' not in lost['files']
    # The other qubes are restored as usual.
    for qube in qrtest.included_qubes(manifest):
        if qube['name'] != 'work':
            qrtest.check_qube(dest, qube, manifest)


def test_gzip_flipped_bit():
    """Compressed: the file stops at the bad part and keeps its verified
    front, at its full size; the report says from where it is missing."""
    backup, manifest = ws.backup('gzip')
    members = work_members(manifest)
    k = len(members) - 2
    damaged = damaged_copy(backup, 'gzip-flip', members[k])
    whole = reference('gzip', backup)
    dest, work = salvage('gzip-flip', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial', image
    assert image['recovered'] > 0 and image['missing'] > 0, image
    folder = os.path.join(dest, 'work (partly recovered)')
    check_image(os.path.join(folder, 'private.img'), os.path.join(whole, 'work', 'private.img'),
                image['missing_ranges'])
    check_intact_files(folder, os.path.join(whole, 'work'), ['notes.txt', 'firewall.xml'])
    assert 'does not record where its later parts belong' in image['reason'], image
    check_report_lists(report_text(dest), image)
    # A document whose blocks lie in the recovered front can be read.
    work_qube = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    report = work_qube['files']['private.img']['contents']['home/user/Documents/report.txt']
    result = debugfs_cat(os.path.join(folder, 'private.img'), '/home/user/Documents/report.txt')
    assert result.returncode == 0
    assert hashlib.sha256(result.stdout).hexdigest() == report['sha256'], result.stderr


def test_cut_short():
    """A backup cut after a part of work's image: work keeps what came."""
    backup, manifest = uncompressed()
    members = work_members(manifest)
    k = len(members) // 3
    damaged = damaged_copy(backup, 'none-cut', members[k], flip=False)
    whole = reference('none', backup)
    dest, work = salvage('none-cut', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial', image
    folder = os.path.join(dest, 'work (partly recovered)')
    check_image(os.path.join(folder, 'private.img'), os.path.join(whole, 'work', 'private.img'),
                image['missing_ranges'])
    text = open(os.path.join(folder, 'RECOVERY-REPORT.txt'), encoding='utf-8').read()
    assert 'notes.txt: not recovered' in text or 'Also known to be missing' in text, text


def test_pipe():
    """From a pipe, a bad part is a gap too, and later parts are placed."""
    backup, manifest = uncompressed()
    members = work_members(manifest)
    damaged = damaged_copy(backup, 'none-pipe', members[len(members) // 2])
    whole = reference('none', backup)
    dest = ws.path('pipe-salvaged')
    process = subprocess.Popen(['cat', damaged], stdout=subprocess.PIPE)
    result = cli('restore', '/dev/stdin', '--dest', dest, '--passphrase-file',
                 ws.passphrase_file, '--salvage', '--json', stdin=process.stdout)
    process.stdout.close()
    process.wait()
    assert result.returncode == DAMAGED, result.stderr
    work = [q for q in json.loads(result.stdout)['qubes'] if q['name'] == 'work'][0]
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial' and len(image['missing_ranges']) == 1, image
    check_image(os.path.join(dest, 'work (partly recovered)', 'private.img'),
                os.path.join(whole, 'work', 'private.img'), image['missing_ranges'])


def test_strict_without_salvage():
    """Without --salvage, the damaged qube is not written at all."""
    backup, manifest = uncompressed()
    damaged = damaged_copy(backup, 'none-strict', work_members(manifest)[2])
    dest = ws.path('strict-dest')
    result = restore(damaged, dest)
    assert result.returncode == DAMAGED, result.stderr
    assert not any(n.startswith('work') for n in os.listdir(dest)), os.listdir(dest)


def test_whole_with_salvage():
    """A whole backup restored with --salvage is restored as usual."""
    backup, manifest = ws.backup('gzip')
    dest = ws.path('whole-salvage')
    result = restore(backup, dest, '--salvage')
    assert result.returncode == 0, result.stderr
    for qube in qrtest.included_qubes(manifest):
        qrtest.check_qube(dest, qube, manifest)


def work_image(manifest):
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    return work['files']['private.img']


def report_text(dest):
    with open(os.path.join(dest, 'work (partly recovered)', 'RECOVERY-REPORT.txt'),
              encoding='utf-8') as f:
        return f.read()


def check_report_lists(text, image):
    """RECOVERY-REPORT.txt lists the same missing ranges as the JSON."""
    for offset, length in image['missing_ranges']:
        assert f'bytes {offset} to {offset + length - 1} ' in text, (offset, length, text)


def test_xz_blocks_after_the_gap():
    """xz in blocks (xz -T): one bad part in the middle loses only the
    blocks it touches; every block wholly after it is back at its place."""
    backup, manifest = ws.backup('xz-blocks', '--compression', 'xz',
                                 '--xz-block-size', '131072')
    info = work_image(manifest)
    members = info['members']
    chunk = manifest['chunk_size']
    k = len(members) // 2
    start, end = k * chunk, (k + 1) * chunk
    lost = [b for b in info['xz_blocks'] if b[0] < end and b[0] + b[1] > start]
    after = [b for b in info['xz_blocks'] if b[0] >= end]
    assert lost and len(after) >= 5, (lost, after)

    damaged = damaged_copy(backup, 'xz-blocks-flip', members[k])
    whole = reference('xz-blocks', backup)
    dest, work = salvage('xz-blocks-flip', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial', image
    assert image['verified_parts'] == len(members) - 1, image
    check_image(os.path.join(dest, 'work (partly recovered)', 'private.img'),
                os.path.join(whole, 'work', 'private.img'), image['missing_ranges'])

    # What is missing is exactly the lost blocks' data from where the
    # decoding in order stopped, inside the first of them, to the end of
    # the last: blocks placed a byte off would have failed the comparison.
    lost_end = lost[-1][2] + lost[-1][3]
    front = lost_end - image['missing']
    assert lost[0][2] <= front < lost[0][2] + lost[0][3], (front, lost, image)

    # The blocks after the gap came back: far more than the front alone.
    whole_data = info['disk_usage']
    assert image['recovered'] > front // 2 and image['recovered'] > whole_data // 10, image
    assert image['reason'].startswith(f'Qube “work”, file “vm12/private.img”, part {k + 1} of'), \
        image
    assert 'Nothing after it' not in image['reason'], image
    check_report_lists(report_text(dest), image)
    check_intact_files(os.path.join(dest, 'work (partly recovered)'),
                       os.path.join(whole, 'work'), ['notes.txt', 'firewall.xml'])


def test_xz_one_block_stops():
    """xz in one block (plain xz, as Qubes runs it up to xz 5.4): the file
    stops at the bad part, and the report says why in plain words."""
    backup, manifest = ws.backup('xz', '--compression', 'xz')
    assert len(work_image(manifest)['xz_blocks']) == 1
    members = work_members(manifest)
    damaged = damaged_copy(backup, 'xz-flip', members[len(members) // 2])
    whole = reference('xz', backup)
    dest, work = salvage('xz-flip', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial' and image['recovered'] > 0, image
    assert 'compressed by xz as one single block' in image['reason'], image
    check_image(os.path.join(dest, 'work (partly recovered)', 'private.img'),
                os.path.join(whole, 'work', 'private.img'), image['missing_ranges'])
    # Everything from the gap to the end of the image's data is missing.
    last = image['missing_ranges'][-1]
    data_end = max(o + n for o, n in image['missing_ranges'])
    assert sum(last) == data_end, image
    text = report_text(dest)
    assert 'one single block' in text, text
    check_report_lists(text, image)


def test_zstd_stops_at_the_gap():
    """zstd: the file stops at the bad part, and the report says why."""
    backup, manifest = ws.backup('zstd', '--compression', 'zstd')
    members = work_members(manifest)
    damaged = damaged_copy(backup, 'zstd-flip', members[len(members) // 2])
    whole = reference('zstd', backup)
    dest, work = salvage('zstd-flip', damaged)
    image = recovery_of(work, 'private.img')
    assert image['state'] == 'partial' and image['recovered'] > 0, image
    assert 'zstd data as backups hold it has no index' in image['reason'], image
    check_image(os.path.join(dest, 'work (partly recovered)', 'private.img'),
                os.path.join(whole, 'work', 'private.img'), image['missing_ranges'])
    check_report_lists(report_text(dest), image)


tests = [
    ('uncompressed: a flipped bit loses one part', test_uncompressed_flipped_bit),
    ('gzip: a flipped bit keeps the front', test_gzip_flipped_bit),
    ('cut short after a part', test_cut_short),
    ('from a pipe', test_pipe),
    ('without --salvage nothing of a damaged qube', test_strict_without_salvage),
    ('a whole backup with --salvage', test_whole_with_salvage),
    ('xz in blocks: every block after the gap placed', test_xz_blocks_after_the_gap),
    ('xz in one block stops at the gap, saying why', test_xz_one_block_stops),
    ('zstd stops at the gap, saying why', test_zstd_stops_at_the_gap),
]

try:
    raise SystemExit(qrtest.run_tests(tests))
finally:
    ws.cleanup()
