#!/usr/bin/env python3
# test-cli-mount.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""The mount and unmount subcommands of qubes-rescue-cli, against udisks.

Prints TAP. QR_CLI names the executable. Run through udisks-session; without
udisks, loop devices or the image tools the cases skip and say why.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HELLO = "Hello from the qube\n"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = False

    def ok(self, good, name, detail=""):
        self.n += 1
        print(f"{'ok' if good else 'not ok'} {self.n} - {name}")
        if not good:
            self.failed = True
            for line in str(detail).splitlines():
                print(f"# {line}")
        sys.stdout.flush()

    def skip(self, name, reason):
        self.n += 1
        print(f"ok {self.n} - {name} # SKIP {reason}")

    def done(self):
        print(f"1..{self.n}")
        return 1 if self.failed else 0


def cli(*args, env=None):
    return subprocess.run([os.environ["QR_CLI"], *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, env=env)


def udisks_reason():
    """Why the udisks cases cannot run here, or None."""
    if not os.path.exists("/dev/loop-control"):
        return "this machine has no loop devices (/dev/loop-control is missing)"
    for tool in ("mkfs.ext4", "losetup", "gdbus"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    for method, want in (("NameHasOwner", "true"), ("ListActivatableNames", "UDisks2")):
        args = ["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                "--object-path", "/org/freedesktop/DBus",
                "--method", f"org.freedesktop.DBus.{method}"]
        if method == "NameHasOwner":
            args.append("org.freedesktop.UDisks2")
        r = subprocess.run(args, capture_output=True, text=True)
        if r.returncode == 0 and want in r.stdout:
            return None
    return "udisks is not on the system bus (run through tests/mount/udisks-session)"


def make_private_img(tmp):
    tree = os.path.join(tmp, "tree")
    os.makedirs(os.path.join(tree, "home", "user"))
    with open(os.path.join(tree, "home", "user", "hello.txt"), "w") as f:
        f.write(HELLO)
    image = os.path.join(tmp, "private.img")
    subprocess.run(["truncate", "-s", "32M", image], check=True)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", tree, image], check=True)
    return image


def loop_devices(image):
    r = subprocess.run(["losetup", "-j", image], capture_output=True, text=True,
                       check=True)
    return r.stdout.strip()


def is_mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split(" ")[4] == path for line in f)


def one_sentence(stderr):
    """One sentence says what happened; at most one more line says where
    to go from there (the command's help, or a way around mounting)."""
    lines = stderr.strip().splitlines()
    return (1 <= len(lines) <= 2 and lines[0].startswith("qubes-rescue-cli: ")
            and "org.freedesktop" not in stderr)


def test_usage(tap):
    r = cli("mount")
    tap.ok(r.returncode == 1 and one_sentence(r.stderr),
           "mount without IMAGE is a usage error", r)
    r = cli("unmount", "a.img", "b.img")
    tap.ok(r.returncode == 1 and one_sentence(r.stderr),
           "unmount with two images is a usage error", r)


def test_unavailable(tap, tmp):
    image = os.path.join(tmp, "plain.img")
    with open(image, "w") as f:
        f.write("not a filesystem, but not empty either")
    env = dict(os.environ,
               DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent/system_bus_socket")
    r = cli("mount", image, env=env)
    tap.ok(r.returncode == 1 and one_sentence(r.stderr)
           and "udisks2" in r.stderr and "apt" not in r.stderr,
           "without udisks, mount says what to install, for any distribution", r)


def test_mount_unmount(tap, tmp):
    image = make_private_img(tmp)
    r = cli("mount", image)
    points = r.stdout.splitlines()
    good = r.returncode == 0 and len(points) == 1
    tap.ok(good, "mount prints one mount point", r)
    if not good:
        cli("unmount", image)
        return
    hello = os.path.join(points[0], "home", "user", "hello.txt")
    try:
        with open(hello) as f:
            tap.ok(f.read() == HELLO, "the file is readable")
    except OSError as e:
        tap.ok(False, "the file is readable", e)
    try:
        open(os.path.join(points[0], "new.txt"), "w").close()
        tap.ok(False, "the mount is read-only")
    except OSError as e:
        tap.ok(e.errno == 30, "the mount is read-only", e)  # EROFS

    # A separate process lets go of what the first one attached.
    r = cli("unmount", image)
    tap.ok(r.returncode == 0 and r.stdout == "", "unmount succeeds", r)
    tap.ok(loop_devices(image) == "", "no loop device is left", loop_devices(image))
    tap.ok(not is_mounted(points[0]), "nothing stays mounted")
    r = cli("unmount", image)
    tap.ok(r.returncode == 0, "unmounting again is no error", r)


def main():
    tap = Tap()
    if "QR_CLI" not in os.environ:
        print("1..0 # SKIP QR_CLI is not set")
        return 0
    with tempfile.TemporaryDirectory(prefix="qr-mount-test-") as tmp:
        test_usage(tap)
        test_unavailable(tap, tmp)
        reason = udisks_reason()
        if reason is None:
            test_mount_unmount(tap, tmp)
        else:
            tap.skip("mount and unmount through udisks", reason)
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
