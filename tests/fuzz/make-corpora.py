#!/usr/bin/env python3
# make-corpora.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Make the seed corpora of the fuzz targets.

    python3 tests/fuzz/make-corpora.py OUTPUT

writes OUTPUT/<target>/ for every target in tests/fuzz/meson.build.  The
seeds come from real backups made by tests/fixtures/make-backup.py (the
real `scrypt enc`, GNU tar and compressors), from tests/samples, and from
hostile variants made here: a first tar entry of a type the index does not
expect with its data past the end, a junk trailer, flipped header bytes, a
file cut short.

The real `scrypt` refuses a work factor below 2^10, and a fuzzer wants
thousands of runs a second.  So every encrypted member is decrypted with
the real `scrypt dec` and encrypted again with N = 2 (the container format
is unchanged: Python's hashlib.scrypt for the key, `openssl enc
-aes-256-ctr` for the data, HMAC-SHA256 for the checks).  The container
keeps its length, so the outer tar is changed in place and stays the one
GNU tar wrote.
"""

import argparse
import hashlib
import hmac
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
GENERATOR = os.path.join(SOURCE, 'tests', 'fixtures', 'make-backup.py')
SAMPLES = os.path.join(SOURCE, 'tests', 'samples')

PASSPHRASE = 'correct horse battery staple'
BLOCK = 512

# The cheap parameters the seeds are encrypted with again.
CHEAP_LOG_N = 1
CHEAP_R = 8
CHEAP_P = 1

# What fuzz-scrypt.c derives its own key from.
FUZZ_KEY_PREFIX = 'fuzz!'
FUZZ_SALT = bytes([0x5a]) * 32
FUZZ_FIX_ALL = 0x07

# The compression-filter byte of fuzz-extract.c, by header name.
EXTRACT_FILTERS = {'none': 0, 'gzip': 1, 'bzip2': 2, 'xz': 3, 'lzma': 4,
                   'zstd': 5}
EXTRACT_TREE = 0x01
EXTRACT_FILE_SERIES = 'vm12/private.img'
EXTRACT_TREE_SERIES = 'dom0-home/user'

# Whole backup files larger than this stay out of the corpora of the
# targets that read whole files: each run would take too long.
MAX_FILE_SEED = 128 * 1024

COMMON = ['--logN', '10', '--private-size', '11', '--root-size', '32',
          '--data-mib', '0', '--seed', '1']

# name: options of make-backup.py.
FIXTURES = {
    'small-gzip': ['--qubes', 'small', '--compression', 'gzip'],
    'small-gzip-chunks': ['--qubes', 'small', '--compression', 'gzip',
                          '--chunk-size', '2048'],
    'small-none': ['--qubes', 'small', '--compression', 'none'],
    'small-bzip2': ['--qubes', 'small', '--compression', 'bzip2'],
    'small-xz': ['--qubes', 'small', '--compression', 'xz'],
    'small-lzma': ['--qubes', 'small', '--compression', 'lzma'],
    'small-zstd': ['--qubes', 'small', '--compression', 'zstd'],
    'full-gzip': ['--qubes', 'full', '--compression', 'gzip'],
    # Chunks small enough to split each image, but not the list of
    # qubes, which Qubes always keeps in one chunk.
    'full-none-chunks': ['--qubes', 'full', '--compression', 'none',
                         '--chunk-size', '16384'],
    # From a pipe, the list of qubes and the header's HMAC are expected
    # among the first three members: here each is the fourth, or later.
    'small-fourth-qubes-xml': ['--qubes', 'small', '--swap-members',
                               'qubes.xml.000.enc',
                               'vm12/private.img.000.enc'],
    'small-fourth-hmac': ['--qubes', 'small', '--swap-members',
                          'backup-header.hmac', 'vm12/private.img.000.enc'],
    'small-late-qubes-xml': ['--qubes', 'small', '--swap-members',
                             'qubes.xml.000.enc', 'vm12/notes.txt.000.enc'],
    'small-late-hmac': ['--qubes', 'small', '--swap-members',
                        'backup-header.hmac', 'vm12/firewall.xml.000.enc'],
    'small-dropped': ['--qubes', 'small', '--drop-member',
                      'vm12/notes.txt.000.enc'],
    'small-inner-extras': ['--qubes', 'small', '--inner-extra-first',
                           '--inner-extra', 'symlink:vm12/link:/etc',
                           '--inner-extra', 'hardlink:vm12/hard:/etc/passwd',
                           '--inner-extra', 'fifo:vm12/fifo',
                           '--inner-extra', 'dir:vm12/dir',
                           '--inner-extra', 'file:vm12/../escape'],
}

# Backup headers beyond the fixtures' own: older versions, unknown keys,
# everything the parser has a rule for.
HEADERS = [
    b'version=3\nencrypted=True\ncompressed=True\ncompression-filter=gzip\n'
    b'hmac-algorithm=SHA512\ncrypto-algorithm=aes-256-cbc\n',
    b'version=2\nencrypted=False\ncompressed=False\nhmac-algorithm=SHA512\n',
    b'encrypted=True\ncompressed=True\nhmac-algorithm=SHA1\n'
    b'crypto-algorithm=aes-256-cbc\n',
    b'version=4\nencrypted=True\ncompressed=True\ncompression-filter=zstdmt\n'
    b'hmac-algorithm=scrypt\nbackup-id=20230405T123455-1\nnew-key=x\n',
    b'version=4\nencrypted=True\ncompressed=false\nhmac-algorithm=scrypt\n'
    b'backup-id=-x\n',
    b'version=5\nencrypted=True\n',
    b'version=4\nversion=4\n',
    b'version=4\r\nencrypted=True\r\n',
    b'',
]


class CorpusError(Exception):
    pass


def run(cmd, data=None):
    try:
        return subprocess.run(cmd, input=data, capture_output=True,
                              check=True).stdout
    except subprocess.CalledProcessError as e:
        raise CorpusError('{} failed: {}'.format(
            ' '.join(cmd), e.stderr.decode(errors='replace').strip()))
    except FileNotFoundError:
        raise CorpusError('program not found: ' + cmd[0])


# ------------------------------------------------------------ containers

def password_for(member, backup_id):
    """The scrypt password of an encrypted member, as Qubes forms it."""
    if member == 'backup-header.hmac':
        return 'backup-header!' + PASSPHRASE
    return '{}!{}!{}'.format(backup_id, member[:-len('.enc')], PASSPHRASE)


def scrypt_decrypt(container, password):
    with tempfile.NamedTemporaryFile() as f:
        f.write(container)
        f.flush()
        return run(['scrypt', 'dec', '-P', f.name],
                   (password + '\n').encode())


def aes_256_ctr(key, data):
    return run(['openssl', 'enc', '-aes-256-ctr', '-nosalt', '-K', key.hex(),
                '-iv', '00' * 16], data)


def scrypt_encrypt(plain, password, salt, log_n=CHEAP_LOG_N):
    """The tarsnap scrypt container: header, AES-256-CTR data, HMAC."""
    key = hashlib.scrypt(password.encode(), salt=salt, n=1 << log_n,
                         r=CHEAP_R, p=CHEAP_P, dklen=64)
    header = (b'scrypt\0' + bytes([log_n]) + CHEAP_R.to_bytes(4, 'big')
              + CHEAP_P.to_bytes(4, 'big') + salt)
    header += hashlib.sha256(header).digest()[:16]
    header += hmac.new(key[32:], header, 'sha256').digest()
    body = header + aes_256_ctr(key[:32], plain)
    return body + hmac.new(key[32:], body, 'sha256').digest()


# ------------------------------------------------------------ backups

class Backup:
    """A fixture backup: its bytes, its members, and their plaintexts."""

    def __init__(self, name, data, backup_id, compression):
        self.name = name
        self.data = data
        self.backup_id = backup_id
        self.compression = compression
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:',
                          ignore_zeros=True) as tar:
            self.members = [(m.name, m.offset, m.offset_data, m.size)
                            for m in tar.getmembers()]
        self.plain = {}
        for name, _, offset, size in self.members:
            container = data[offset:offset + size]
            if name.endswith('.enc') or name == 'backup-header.hmac':
                self.plain[name] = scrypt_decrypt(
                    container, password_for(name, backup_id))
            else:
                self.plain[name] = container

    def end_of_members(self):
        _, _, offset, size = self.members[-1]
        return offset + (size + BLOCK - 1) // BLOCK * BLOCK

    def cheap(self):
        """The same backup, every container encrypted with N = 2, and
        without GNU tar's record padding past the end-of-archive blocks."""
        out = bytearray(self.data[:self.end_of_members() + 2 * BLOCK])
        for name, _, offset, size in self.members:
            if name not in self.plain or not (
                    name.endswith('.enc') or name == 'backup-header.hmac'):
                continue
            salt = hashlib.sha256(b'qr-fuzz-salt:' + name.encode()).digest()
            container = scrypt_encrypt(self.plain[name],
                                       password_for(name, self.backup_id),
                                       salt)
            assert len(container) == size
            out[offset:offset + size] = container
        return bytes(out)

    def series(self, path):
        """The inner stream of a backed-up file: its chunks' plaintexts."""
        chunks = sorted(n for n in self.plain
                        if n.startswith(path + '.') and n.endswith('.enc')
                        and n[len(path) + 1:-4].isdigit())
        return b''.join(self.plain[n] for n in chunks) if chunks else None


def make_backup(work, number, name, options):
    path = os.path.join(work, name)
    backup_id = '20230405T123455-{}'.format(number)
    run([sys.executable, GENERATOR] + COMMON + options
        + ['--backup-id', backup_id, path])
    with open(path, 'rb') as f:
        data = f.read()
    os.unlink(path)
    compression = options[options.index('--compression') + 1] \
        if '--compression' in options else 'gzip'
    return Backup(name, data, backup_id, compression)


# ------------------------------------------------------------ hostile files

def tar_header(name, size, typeflag, prefix=b''):
    """One ustar/GNU header block with a valid checksum."""
    h = bytearray(BLOCK)
    h[0:len(name)] = name
    h[100:108] = b'0000644\0'
    h[108:116] = b'0000000\0'
    h[116:124] = b'0000000\0'
    h[124:136] = b'%011o\0' % size
    h[136:148] = b'14412345670\0'
    h[148:156] = b' ' * 8
    h[156:157] = typeflag
    h[257:265] = b'ustar  \0'
    h[345:345 + len(prefix)] = prefix
    h[148:156] = b'%06o\0 ' % sum(h)
    return bytes(h)


def hostile_first_entries():
    """A first entry of each type that is not a regular file, whose data
    runs past the end of a 1.5 KiB file."""
    seeds = {}
    for flag, what in ((b'D', 'dumpdir'), (b'M', 'multivolume'),
                       (b'5', 'directory'), (b'2', 'symlink'),
                       (b'S', 'sparse'), (b'V', 'volume-label'),
                       (b'x', 'pax'), (b'L', 'longname')):
        seeds['first-' + what] = (tar_header(b'backup-header', 100000, flag)
                                  + b'A' * 1024)
    return seeds


def damaged_variants(name, data, members):
    """Cut short, a junk trailer, flipped bytes in headers and padding."""
    seeds = {}
    for i, (member, header, offset, size) in enumerate(members[:4]):
        seeds['{}-cut-in-{}'.format(name, i)] = data[:offset + size // 2]
        seeds['{}-cut-after-{}'.format(name, i)] = data[:offset + size]
        flipped = bytearray(data)
        flipped[header + 124 + 5] ^= 0x01   # a digit of the size
        seeds['{}-size-flip-{}'.format(name, i)] = bytes(flipped)
        flipped = bytearray(data)
        flipped[header + 3] ^= 0x20         # the name, checksum now wrong
        seeds['{}-name-flip-{}'.format(name, i)] = bytes(flipped)
        padding = offset + size
        if padding % BLOCK:
            flipped = bytearray(data)
            flipped[padding] ^= 0x03
            seeds['{}-padding-flip-{}'.format(name, i)] = bytes(flipped)
    end = members[-1][2] + (members[-1][3] + BLOCK - 1) // BLOCK * BLOCK
    seeds[name + '-junk-trailer'] = (data[:end]
                                     + tar_header(b'junk', 7, b'0')[:400]
                                     + bytes(range(112)))
    seeds[name + '-reversed-header'] = (data[:end]
                                        + tar_header(b'late', 0, b'0')[::-1])
    return seeds


# ------------------------------------------------------------ inner tars

def inner_tar(entries, fmt=tarfile.GNU_FORMAT):
    """An inner tar from (name, type, data-or-target) triples."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=fmt) as tar:
        for name, kind, value in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1680698095
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = value
                tar.addfile(info)
            elif kind == tarfile.REGTYPE:
                info.size = len(value)
                tar.addfile(info, io.BytesIO(value))
            else:
                tar.addfile(info)
    return out.getvalue()


def gnu_sparse_tar(work, name, size):
    """A sparse file as GNU tar stores it, named like a qube's image."""
    root = os.path.join(work, 'sparse')
    path = os.path.join(root, name)
    os.makedirs(os.path.dirname(path))
    with open(path, 'wb') as f:
        f.truncate(size)
        f.seek(size // 2)
        f.write(b'data in the middle')
    out = run(['tar', '--sparse', '--format=gnu', '-C', root, '-cf', '-',
               name])
    shutil.rmtree(root)
    return out


def hand_made_streams(work):
    reg, sym, lnk, dirt, fifo = (tarfile.REGTYPE, tarfile.SYMTYPE,
                                 tarfile.LNKTYPE, tarfile.DIRTYPE,
                                 tarfile.FIFOTYPE)
    f, t = EXTRACT_FILE_SERIES, EXTRACT_TREE_SERIES
    streams = {
        'file-gnu': (0, inner_tar([(f, reg, b'image bytes\n' * 40)])),
        'file-pax': (0, inner_tar([(f, reg, b'\0' * 9000 + b'x')],
                                  tarfile.PAX_FORMAT)),
        'file-ustar': (0, inner_tar([(f, reg, b'')], tarfile.USTAR_FORMAT)),
        'file-twice': (0, inner_tar([(f, reg, b'a'), (f, reg, b'b')])),
        'file-symlink': (0, inner_tar([(f, sym, '/etc/passwd')])),
        'file-sparse': (0, gnu_sparse_tar(work, f, 1 << 20)),
        'tree': (EXTRACT_TREE, inner_tar([
            (t + '/', dirt, None), (t + '/Documents/', dirt, None),
            (t + '/Documents/letter.txt', reg, b'Dear ...\n'),
            (t + '/latest', sym, 'Documents/letter.txt')])),
        'tree-escape-link': (EXTRACT_TREE, inner_tar([
            (t + '/out', sym, '/tmp'), (t + '/out/x', reg, b'x')])),
        'tree-dotdot': (EXTRACT_TREE, inner_tar([
            (t + '/../../x', reg, b'x')])),
        'tree-absolute': (EXTRACT_TREE, inner_tar([('/' + t + '/x', reg,
                                                    b'x')])),
        'tree-hardlink': (EXTRACT_TREE, inner_tar([
            (t + '/a', reg, b'a'), (t + '/b', lnk, t + '/a')])),
        'tree-fifo': (EXTRACT_TREE, inner_tar([(t + '/p', fifo, None)])),
        'tree-dir-then-file': (EXTRACT_TREE, inner_tar([
            (t + '/a/', dirt, None), (t + '/a', reg, b'a')])),
        'tree-long-name': (EXTRACT_TREE, inner_tar([
            (t + '/' + 'n' * 300, reg, b'x')])),
        'tree-sparse': (EXTRACT_TREE, gnu_sparse_tar(work, t + '/s', 65536)),
    }
    out = {}
    for name, (kind, stream) in streams.items():
        out[name] = bytes([kind]) + stream
        out[name + '-gzip'] = (bytes([kind | EXTRACT_FILTERS['gzip'] << 1])
                               + run(['gzip', '-n', '-c'], stream))
    return out


# ------------------------------------------------------------ corpora

DECOMPRESSORS = {'none': None, 'gzip': 'gzip', 'bzip2': 'bzip2', 'xz': 'xz',
                 'lzma': 'lzma', 'zstd': 'zstd'}


def qubes_xml_from(backup):
    """qubes.xml, unpacked from its inner tar with the real tools."""
    stream = backup.series('qubes.xml')
    if stream is None:
        return None
    tool = DECOMPRESSORS[backup.compression]
    if tool is not None:
        stream = run([tool, '-d', '-c'], stream)
    return run(['tar', '-xOf', '-', 'qubes.xml'], stream)


def ext_images(work):
    """Small real file systems for the disk image reader: ext2, ext3 and
    ext4 with files, folders, links and a sparse file, one with 1 KiB
    blocks, one inside a GPT."""
    tree = os.path.join(work, 'ext-tree')
    os.makedirs(os.path.join(tree, 'home', 'user', 'Documents'), exist_ok=True)
    with open(os.path.join(tree, 'home', 'user', 'Documents', 'letter.txt'), 'w') as f:
        f.write('Dear friend,\n' * 200)
    with open(os.path.join(tree, 'home', 'user', 'sparse.img'), 'wb') as f:
        f.truncate(1 << 20)
        f.write(b'start')
    os.symlink('Documents/letter.txt', os.path.join(tree, 'home', 'user', 'latest'))
    images = {}
    for name, args in (('ext4', ['-t', 'ext4']), ('ext4-1k', ['-t', 'ext4', '-b', '1024']),
                       ('ext3', ['-t', 'ext3']), ('ext2', ['-t', 'ext2'])):
        path = os.path.join(work, name + '.img')
        with open(path, 'wb') as f:
            f.truncate(512 * 1024)
        run(['mke2fs', '-q', '-F', *args, '-d', tree, path])
        with open(path, 'rb') as f:
            images[name] = f.read()
    gpt = os.path.join(work, 'gpt.img')
    with open(gpt, 'wb') as f:
        f.truncate(1024 * 1024)
    run(['sgdisk', '-a', '1', '-n', '1:64:0', gpt])
    with open(gpt, 'r+b') as f:
        f.seek(64 * 512)
        f.write(images['ext2'][:1024 * 1024 - 98 * 512])
        f.seek(0)
        images['gpt'] = f.read()
    return images


def write_corpus(out, target, seeds):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), 'wb') as f:
            f.write(data)


def make_corpora(out, work):
    backups = [make_backup(work, i + 1, name, options)
               for i, (name, options) in enumerate(FIXTURES.items())]
    files, headers, containers, xmls, streams = {}, {}, {}, {}, {}

    for b in backups:
        cheap = b.cheap()
        if len(cheap) <= MAX_FILE_SEED:
            files[b.name] = cheap
        headers[b.name] = b.plain['backup-header']
        for i, (name, _, _, _) in enumerate(b.members):
            offset, size = b.members[i][2], b.members[i][3]
            if name.endswith('.enc') or name == 'backup-header.hmac':
                container = cheap[offset:offset + size]
                containers['{}-{}'.format(b.name, i)] = (
                    bytes([FUZZ_FIX_ALL]) + container)
        xml = qubes_xml_from(b)
        if xml is not None:
            xmls[b.name] = xml
        for series, kind in ((EXTRACT_FILE_SERIES, 0),
                             (EXTRACT_TREE_SERIES, EXTRACT_TREE)):
            stream = b.series(series)
            if stream is not None and b.compression in EXTRACT_FILTERS:
                flags = kind | EXTRACT_FILTERS[b.compression] << 1
                streams['{}-{}'.format(b.name, kind)] = (bytes([flags])
                                                         + stream)

    small = next(b for b in backups if b.name == 'small-gzip')
    members = [(n, h, o, s) for n, h, o, s in small.members]
    files.update(damaged_variants('small', files['small-gzip'], members))
    files.update(hostile_first_entries())

    # Containers under fuzz-scrypt.c's own key, which open without any
    # recomputed check: every flag of the first byte on sound data.
    password = FUZZ_KEY_PREFIX + PASSPHRASE
    for name in ('backup-header', 'qubes.xml.000.enc'):
        plain = small.plain[name]
        container = scrypt_encrypt(plain, password, FUZZ_SALT)
        for flags in (0x00, 0x18, 0x98, 0x78):
            containers['keyed-{}-{:02x}'.format(name, flags)] = (
                bytes([flags]) + container)
    containers['keyed-empty'] = bytes([0]) + scrypt_encrypt(b'', password,
                                                            FUZZ_SALT)

    for sample in sorted(os.listdir(SAMPLES)):
        with open(os.path.join(SAMPLES, sample), 'rb') as f:
            xmls[sample] = f.read()
    for i, text in enumerate(HEADERS):
        headers['hand-{}'.format(i)] = text
    streams.update(hand_made_streams(work))

    write_corpus(out, 'header', headers)
    write_corpus(out, 'scrypt', containers)
    write_corpus(out, 'archive-file', files)
    write_corpus(out, 'archive-pipe', files)
    write_corpus(out, 'qubes-xml', xmls)
    write_corpus(out, 'extract', streams)
    write_corpus(out, 'backup', files)
    write_corpus(out, 'backup-pipe', files)
    write_corpus(out, 'ext-image', ext_images(work))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('output', metavar='OUTPUT')
    opts = p.parse_args()
    work = tempfile.mkdtemp(prefix='qr-corpora-')
    try:
        make_corpora(opts.output, work)
    except CorpusError as e:
        print('make-corpora: error: {}'.format(e), file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work)
    return 0


if __name__ == '__main__':
    sys.exit(main())
