# A backup of one qube cut into a great many tiny chunks, for checking that
# a restore's memory does not grow with the number of chunks.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Running the real `scrypt enc` fifty thousand times would take many
# minutes, so the containers are made here, in the tarsnap format, with
# Python's scrypt and HMAC and OpenSSL's AES-CTR (through ctypes), with the
# cheapest parameters scrypt allows. The other tests check the format
# against the real tool; this one is about numbers.

import ctypes
import ctypes.util
import gzip
import hashlib
import hmac
import io
import os
import struct
import tarfile

BACKUP_ID = '20260101T000000-1'
LOG_N, R, P = 1, 1, 1

_crypto = ctypes.CDLL(ctypes.util.find_library('crypto'))
_crypto.EVP_CIPHER_CTX_new.restype = ctypes.c_void_p
_crypto.EVP_aes_256_ctr.restype = ctypes.c_void_p
_crypto.EVP_EncryptInit_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                       ctypes.c_char_p, ctypes.c_char_p]
_crypto.EVP_EncryptUpdate.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                      ctypes.POINTER(ctypes.c_int), ctypes.c_char_p,
                                      ctypes.c_int]
_crypto.EVP_CIPHER_CTX_free.argtypes = [ctypes.c_void_p]


def aes_ctr(key, data):
    ctx = _crypto.EVP_CIPHER_CTX_new()
    out = ctypes.create_string_buffer(len(data) + 16)
    n = ctypes.c_int(0)
    _crypto.EVP_EncryptInit_ex(ctx, _crypto.EVP_aes_256_ctr(), None, key, bytes(16))
    _crypto.EVP_EncryptUpdate(ctx, out, ctypes.byref(n), data, len(data))
    _crypto.EVP_CIPHER_CTX_free(ctx)
    return out.raw[:n.value]


def scrypt_container(password, plain, salt):
    key = hashlib.scrypt(password.encode(), salt=salt, n=1 << LOG_N, r=R, p=P, dklen=64)
    key_enc, key_hmac = key[:32], key[32:]
    header = b'scrypt\0' + bytes([LOG_N]) + struct.pack('>II', R, P) + salt
    header += hashlib.sha256(header).digest()[:16]
    header += hmac.new(key_hmac, header, 'sha256').digest()
    body = header + aes_ctr(key_enc, plain)
    return body + hmac.new(key_hmac, body, 'sha256').digest()


def inner_tar_gz(name, data):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode='w', format=tarfile.GNU_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


QUBES_XML = '''<?xml version='1.0' encoding='UTF-8'?>
<qubes>
  <labels><label color="0x3465a4" id="label-6">blue</label></labels>
  <domains>
    <domain id="domain-12" class="AppVM">
      <properties>
        <property name="name">work</property>
        <property name="qid">12</property>
        <property name="label">label-6</property>
      </properties>
      <features>
        <feature name="backup-content">True</feature>
        <feature name="backup-path">vm12/</feature>
        <feature name="backup-size">{size}</feature>
      </features>
      <volume-config>
        <volume name="private" pool="lvm" save_on_stop="True" size="{size}"/>
      </volume-config>
    </domain>
  </domains>
</qubes>
'''


def make(path, passphrase, n_chunks, image):
    """Writes a backup whose vm12/private.img (@image, bytes) is cut into
    @n_chunks chunks; returns the image's SHA-256."""
    header = ('version=4\nencrypted=True\ncompressed=True\ncompression-filter=gzip\n'
              'hmac-algorithm=scrypt\nbackup-id={}\n'.format(BACKUP_ID)).encode()
    salt = hashlib.sha256(b'salt').digest()
    members = [('backup-header', header),
               ('backup-header.hmac',
                scrypt_container('backup-header!' + passphrase, header, salt))]
    xml = QUBES_XML.format(size=len(image)).encode()
    members.append(('qubes.xml.000.enc',
                    scrypt_container('{}!qubes.xml.000!{}'.format(BACKUP_ID, passphrase),
                                     inner_tar_gz('qubes.xml', xml), salt)))

    stream = inner_tar_gz('vm12/private.img', image)
    size = -(-len(stream) // n_chunks)
    for i in range(n_chunks):
        name = 'vm12/private.img.{:03d}'.format(i)
        piece = stream[i * size:(i + 1) * size]
        members.append((name + '.enc',
                        scrypt_container('{}!{}!{}'.format(BACKUP_ID, name, passphrase),
                                         piece, hashlib.sha256(name.encode()).digest())))

    with tarfile.open(path, 'w', format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(image).hexdigest()
