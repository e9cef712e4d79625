#!/usr/bin/env python3
# test-mime.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check that application/x-qubes-backup is recognised by content.

The MIME package is installed into a temporary XDG_DATA_HOME and GIO, the
library file managers use, is asked for the type of real backups (made
the way the Qubes backup tool makes them, with GNU tar), of renamed ones
(".tar" too), and of what must not be taken for a backup: ordinary tar
files, and text, images and random bytes under the backup tool's names.

Last, with the desktop file installed beside it and a stand-in for
qubes-rescue on PATH, "gio open" on a renamed backup (what a double-click
does) must start qubes-rescue with that file.

Usage: test-mime.py MIME-XML DESKTOP-FILE FIXTURE-GENERATOR
"""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

from tap import Tap

QUBES_TYPE = "application/x-qubes-backup"
TAR_TYPE = "application/x-tar"

# The smallest PNG: a signature and an IHDR chunk are all GIO sniffs.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
       b"\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

HEADER = (b"version=4\n"
          b"encrypted=True\n"
          b"compressed=True\n"
          b"compression-filter=gzip\n"
          b"hmac-algorithm=scrypt\n"
          b"backup-id=20261126T120000-4242\n")


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, **kwargs)


def xdg_env(data_home):
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = data_home
    # The user's own default applications must not decide the result.
    env["XDG_CONFIG_HOME"] = os.path.join(data_home, "config")
    env.setdefault("XDG_DATA_DIRS", "/usr/local/share:/usr/share")
    return env


def content_type(path, data_home):
    out = run(["gio", "info", "-a", "standard::content-type", path],
              env=xdg_env(data_home)).stdout.decode()
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("standard::content-type:"):
            return line.split(":", 3)[-1].strip()
    raise RuntimeError("gio printed no content type for %s:\n%s" % (path, out))


def gnu_tar_member(workdir, name, data, extra=()):
    """One `tar -cO --posix` run, as the backup tool does per member."""
    path = os.path.join(workdir, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return run(["tar", "-cO", "--posix", *extra, "-C", workdir, name]).stdout


def gnu_tar_backup(workdir, extra=()):
    """A backup's outer archive: a row of single-member pax archives."""
    members = [
        ("backup-header", HEADER),
        ("backup-header.hmac", b"scrypt\0" + os.urandom(200)),
        ("qubes.xml.000.enc", b"scrypt\0" + os.urandom(3000)),
        ("vm12/private.img.000.enc", b"scrypt\0" + os.urandom(5000)),
    ]
    return b"".join(gnu_tar_member(workdir, name, data, extra)
                    for name, data in members)


def python_tar(path, members, global_headers=None, member_headers=None):
    kwargs = {"format": tarfile.PAX_FORMAT}
    if global_headers:
        kwargs["pax_headers"] = global_headers
    with tarfile.open(path, "w", **kwargs) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1795669116
            if member_headers:
                info.pax_headers = dict(member_headers)
            with tempfile.TemporaryFile() as f:
                f.write(data)
                f.seek(0)
                archive.addfile(info, f)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


def check_type(tap, path, expected, data_home, description, negate=False):
    try:
        found = content_type(path, data_home)
    except (subprocess.CalledProcessError, RuntimeError) as e:
        tap.check(False, description, e)
        return
    ok = (found != expected) if negate else (found == expected)
    tap.check(ok, "%s: %s" % (description, found),
               "expected %s%s, got %s" % ("anything but " if negate else "",
                                          expected, found))


def check_double_click(tap, tmp, data_home, desktop_file, backup, name):
    """Open a renamed backup the way a file manager does."""
    description = "opening a backup named %r starts qubes-rescue with it" % name
    applications = os.path.join(data_home, "applications")
    os.makedirs(applications, exist_ok=True)
    shutil.copy(desktop_file, applications)
    if shutil.which("update-desktop-database"):
        run(["update-desktop-database", applications])

    # A stand-in for the program that records how it was started.
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    record = os.path.join(tmp, "started-with")
    if os.path.exists(record):
        os.unlink(record)
    stand_in = os.path.join(bindir, "qubes-rescue")
    with open(stand_in, "w") as f:
        f.write('#!/bin/sh\nprintf "%%s\\n" "$@" > "%s.part"\n'
                'mv "%s.part" "%s"\n' % (record, record, record))
    os.chmod(stand_in, 0o755)

    path = write(os.path.join(tmp, name), backup)
    env = xdg_env(data_home)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    try:
        run(["gio", "open", path], env=env, timeout=30)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as e:
        tap.check(False, description, getattr(e, "stderr", b"").decode())
        return
    deadline = time.monotonic() + 20
    while not os.path.exists(record) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not os.path.exists(record):
        tap.check(False, description, "qubes-rescue was not started")
        return
    with open(record) as f:
        args = f.read().splitlines()
    tap.check(args == [path], description, "started with %r" % args)


# Names a backup may have: the tool's own, none at all, misleading ones,
# and ".tar", which application/x-tar claims by name. (A name that only one
# other type's glob matches, such as "x.bin" for a type with "*.bin", wins
# over content in GIO; ".tar" does not, because our type matches it too.)
BACKUP_NAMES = [
    "qubes-backup-2026-11-26T120000",
    "qubes-2026-11-26T120000",
    "photos.bin",
    "backup",
    "Laptop backup (copy)",
    "laptop.tar",
    "LAPTOP.TAR",
]


def main():
    if len(sys.argv) != 4:
        print("usage: %s MIME-XML DESKTOP-FILE FIXTURE-GENERATOR" % sys.argv[0],
              file=sys.stderr)
        return 2
    mime_xml, desktop_file, generator = sys.argv[1:4]
    for tool in ("update-mime-database", "gio", "tar"):
        if shutil.which(tool) is None:
            print("Bail out! %s is not installed" % tool)
            return 1

    tap = Tap()
    tmp = tempfile.mkdtemp(prefix="qr-mime-")
    try:
        data_home = os.path.join(tmp, "share")
        packages = os.path.join(data_home, "mime", "packages")
        os.makedirs(packages)
        shutil.copy(mime_xml, packages)
        empty_home = os.path.join(tmp, "empty")
        os.makedirs(empty_home)
        try:
            run(["update-mime-database", os.path.join(data_home, "mime")])
            tap.check(True, "update-mime-database accepts the package")
        except subprocess.CalledProcessError as e:
            tap.check(False, "update-mime-database accepts the package",
                       e.stderr.decode())
            return tap.finish()

        work = os.path.join(tmp, "work")
        inputs = os.path.join(tmp, "inputs")
        os.makedirs(inputs)

        backups = {
            "GNU tar (./PaxHeaders/)":
                gnu_tar_backup(os.path.join(work, "a")),
            "GNU tar before 1.32 (PaxHeaders.<pid>/)":
                gnu_tar_backup(os.path.join(work, "b"),
                               ["--pax-option=exthdr.name=%d/PaxHeaders.%p/%f"]),
            "ustar without pax headers":
                run(["tar", "-cO", "--format=ustar", "-C",
                     os.path.join(work, "a"), "backup-header",
                     "backup-header.hmac"]).stdout,
        }
        for description, data in backups.items():
            for name in BACKUP_NAMES:
                path = write(os.path.join(inputs, name), data)
                check_type(tap, path, QUBES_TYPE, data_home,
                           "%s named %r" % (description, name))

        members = [("backup-header", HEADER), ("qubes.xml.000.enc", b"x" * 700)]
        python_tar(os.path.join(inputs, "python-x.bin"), members,
                   member_headers={"comment": "written by tarfile"})
        python_tar(os.path.join(inputs, "python-g.bin"), members,
                   global_headers={"comment": "written by tarfile"},
                   member_headers={"comment": "written by tarfile"})
        check_type(tap, os.path.join(inputs, "python-x.bin"), QUBES_TYPE,
                   data_home, "pax header named ././@PaxHeader")
        check_type(tap, os.path.join(inputs, "python-g.bin"), QUBES_TYPE,
                   data_home, "global pax header first")

        # The control: without the package the same bytes are a plain tar.
        # If the type is installed system-wide this proves nothing, so skip.
        path = os.path.join(inputs, "backup")
        write(path, backups["GNU tar (./PaxHeaders/)"])
        if content_type(path, empty_home) == QUBES_TYPE:
            tap.skip("without the package a backup is not recognised",
                     "application/x-qubes-backup is installed system-wide")
        else:
            check_type(tap, path, QUBES_TYPE, empty_home,
                       "without the package a backup is not recognised",
                       negate=True)

        # Ordinary tar files must stay tar files.
        plain = os.path.join(work, "plain")
        os.makedirs(plain)
        write(os.path.join(plain, "holiday.jpg"), os.urandom(2000))
        write(os.path.join(plain, "notes.txt"), b"backup-header\n" * 20)
        write(os.path.join(plain, "backup-header"), HEADER)
        write(os.path.join(plain, "backup-header.txt"), HEADER)
        not_backups = {
            "tar of ordinary files":
                run(["tar", "-c", "--posix", "-f", "-", "-C", plain,
                     "holiday.jpg", "notes.txt"]).stdout,
            "tar whose second member is backup-header":
                run(["tar", "-c", "--posix", "-f", "-", "-C", plain,
                     "notes.txt", "backup-header"]).stdout,
            "tar whose first member is backup-header.txt":
                run(["tar", "-c", "--posix", "-f", "-", "-C", plain,
                     "backup-header.txt"]).stdout,
            "ustar whose first member is backup-header.txt":
                run(["tar", "-c", "--format=ustar", "-f", "-", "-C", plain,
                     "backup-header.txt", "backup-header"]).stdout,
        }
        for description, data in not_backups.items():
            for name in ("archive", "photos.bin", "photos.tar"):
                path = write(os.path.join(inputs, name), data)
                check_type(tap, path, TAR_TYPE, data_home,
                           "%s named %r" % (description, name))

        path = write(os.path.join(inputs, "words"),
                     b"backup-header\n" + HEADER + b"ustar\n" * 100)
        check_type(tap, path, QUBES_TYPE, data_home,
                   "text mentioning backup-header", negate=True)

        # No name alone makes a backup: text and other files under the
        # tool's names keep their own types, and so does damaged content.
        for name, data, expected in [
                ("qubes-backup-howto", b"How to make a Qubes backup:\n" * 20,
                 "text/plain"),
                ("qubes-2026-notes", b"Where the backup disk is kept.\n", "text/plain"),
                ("qubes-backup-notes.txt", b"Where the backup disk is kept.\n",
                 "text/plain"),
                ("qubes-backup-photo.png", PNG, "image/png")]:
            path = write(os.path.join(inputs, name), data)
            check_type(tap, path, expected, data_home,
                       "%s under the name %r" % (expected, name))
        path = write(os.path.join(inputs, "qubes-backup-2026-11-26T120000"),
                     os.urandom(4096))
        check_type(tap, path, QUBES_TYPE, data_home,
                   "random bytes under the tool's name", negate=True)

        # A backup from the real fixture generator, under its own and a
        # misleading name.
        if not os.path.exists(generator):
            tap.skip("backup from the fixture generator",
                     "%s does not exist" % generator)
        else:
            generated = os.path.join(tmp, "generated")
            try:
                run([sys.executable, generator, "--qubes", "small", generated],
                    timeout=90)
            except (subprocess.CalledProcessError,
                    subprocess.TimeoutExpired) as e:
                tap.check(False, "the fixture generator makes a backup",
                           getattr(e, "stderr", b"").decode(errors="replace"))
            else:
                for name in ("qubes-backup-2026-11-26T120000", "photos.bin",
                             "laptop.tar"):
                    path = os.path.join(inputs, name)
                    shutil.copy(generated, path)
                    check_type(tap, path, QUBES_TYPE, data_home,
                               "generated backup named %r" % name)

        for name in ("from the old laptop.bin", "from the old laptop.tar"):
            check_double_click(tap, tmp, data_home, desktop_file,
                               backups["GNU tar (./PaxHeaders/)"], name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
