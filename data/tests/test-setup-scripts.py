#!/usr/bin/env python3
# test-setup-scripts.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check build-aux/common.sh and tests/mount/udisks-session with stand-ins.

The scripts run for real, but every program that would change the system
(package managers, sudo, losetup, umount, udevadm, dbus-daemon, udisksd) is
a stand-in on PATH that only writes down how it was called, and PATH holds
nothing else but the few harmless tools the scripts use. So this needs no
root, installs nothing and never touches a loop device.

- common.sh lists every dependency() and find_program() of the meson files,
  with a package for apt, dnf, pacman and zypper;
- with nothing missing it runs nothing (no sudo); with something missing it
  installs that package with the package manager it finds (through sudo
  when not root), or says what to install when it cannot, or, asked not
  to install, says what is missing and goes on;
- udisks-session touches no loop device when it does not start, and at the
  end detaches only those backed by files in its own folder.

Usage: test-setup-scripts.py SOURCE-ROOT
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

from tap import Tap

MANAGERS = ["apt", "dnf", "pacman", "zypper"]
HARMLESS_TOOLS = ["bash", "sh", "mktemp", "chmod", "mkdir", "rm", "cat", "sleep", "xargs",
                  "grep", "dirname", "pwd", "env", "true", "false", "printf", "timeout"]


class Sandbox:
    """A PATH of stand-ins and harmless tools, and a log of the calls."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="qr-setup-")
        self.bin = os.path.join(self.root, "bin")
        self.log = os.path.join(self.root, "calls")
        os.makedirs(self.bin)
        open(self.log, "w").close()
        for tool in HARMLESS_TOOLS:
            real = shutil.which(tool)
            if real:
                os.symlink(real, os.path.join(self.bin, tool))

    def stub(self, name, body=""):
        """A program that logs its name and arguments, then runs @body."""
        path = os.path.join(self.bin, name)
        if os.path.lexists(path):
            os.unlink(path)
        with open(path, "w") as f:
            f.write('#!%s\nprintf "%%s\\n" "%s $*" >> "%s"\n%s\n'
                    % (shutil.which("bash"), name, self.log, body))
        os.chmod(path, 0o755)

    def calls(self):
        with open(self.log) as f:
            return f.read().splitlines()

    def run(self, script, env=None, args=(), timeout=60):
        full_env = {"PATH": self.bin, "HOME": self.root, "TMPDIR": self.root, "LC_ALL": "C"}
        full_env.update(env or {})
        return subprocess.run([shutil.which("bash"), "-c", script, "bash", *args],
                              env=full_env, capture_output=True, text=True, timeout=timeout)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def requirement_tables(source_root):
    common = os.path.join(source_root, "build-aux", "common.sh")
    result = subprocess.run(["bash", "-c", 'source "$1"; printf "%s\\n" '
                             '"$QR_BUILD_REQUIREMENTS" "$QR_TEST_REQUIREMENTS"', "bash", common],
                            capture_output=True, text=True)
    return [line.split() for line in result.stdout.splitlines() if line.strip()]


def meson_needs(source_root):
    """The pkg-config modules (with versions) and programs the meson files ask for."""
    modules, programs = {}, set()
    for parent, dirs, files in os.walk(source_root):
        dirs[:] = [d for d in dirs if not d.startswith(("_build", ".git", "build"))]
        if "meson.build" not in files:
            continue
        with open(os.path.join(parent, "meson.build"), encoding="utf-8") as f:
            text = f.read()
        for name, version in re.findall(
                r"dependency\('([^']+)'(?:,\s*version:\s*'>=\s*([\d.]+)')?", text):
            if name != "threads":
                modules[name] = version
        programs.update(re.findall(r"find_program\('([^']+)'", text))
    return modules, programs


def version_tuple(text):
    return tuple(int(p) for p in text.split("."))


def check_tables(tap, source_root):
    rows = requirement_tables(source_root)
    tap.check(len(rows) > 20, "common.sh lists the requirements", rows)
    for row in rows:
        tap.check(len(row) == 5 and re.match(r"(prog|pc|py|file|font):", row[0]) is not None,
                  "%s: a check and a package for each of %s" % (row[0], ", ".join(MANAGERS)),
                  row)
    listed = {row[0] for row in rows}
    modules, programs = meson_needs(source_root)
    for name, version in sorted(modules.items()):
        found = [c for c in listed if c == "pc:" + name or c.startswith("pc:%s>=" % name)]
        ok = bool(found)
        if ok and version:
            have = found[0].partition(">=")[2]
            ok = bool(have) and version_tuple(have) >= version_tuple(version)
        tap.check(ok, "meson's dependency %s %s is a requirement" % (name, version), found)
    for program in sorted(programs):
        tap.check("prog:" + program in listed, "meson's program %s is a requirement" % program)


# What a person building by hand installs; the README lists it.
HAND_BUILD_CHECKS = {"prog:meson", "prog:ninja", "prog:pkg-config", "prog:cc", "prog:msgfmt",
                     "prog:glib-compile-schemas", "prog:scdoc", "prog:desktop-file-validate",
                     "prog:update-mime-database", "file:/usr/include/stdio.h"}
README_COMMANDS = {"apt": "sudo apt install ", "dnf": "sudo dnf install ",
                   "pacman": "sudo pacman -S --needed "}


def check_readme(tap, source_root):
    rows = requirement_tables(source_root)
    with open(os.path.join(source_root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for column, manager in enumerate(MANAGERS, 1):
        if manager not in README_COMMANDS:
            continue
        line = next((l for l in readme.splitlines()
                     if l.strip().startswith(README_COMMANDS[manager])), "")
        listed = set(line.split())
        wanted = {row[column] for row in rows[:] if row[0].startswith("pc:")
                  or row[0] in HAND_BUILD_CHECKS} - {"-"}
        tap.check(line and wanted <= listed,
                  "the README's %s line installs what building needs" % manager,
                  sorted(wanted - listed))


def install_script(source_root, tables):
    return ('source "%s/build-aux/common.sh"; QR_BUILD_REQUIREMENTS=%s; '
            'qr_install_requirements build'
            % (source_root, "'" + tables + "'"))


# One requirement met (a program), one missing (a pkg-config module).
TABLES = ("prog:present-tool pkg-a pkg-b pkg-c pkg-d\n"
          "pc:missing-module>=1.0 apt-module dnf-module pacman-module zypper-module\n")
EXPECTED = {"apt": "apt-get install -y -q --no-install-recommends apt-module",
            "dnf": "dnf install -y dnf-module",
            "pacman": "pacman -S --needed --noconfirm pacman-module",
            "zypper": "zypper --non-interactive install zypper-module"}


def install_sandbox(uid, manager=None, sudo=True, module_found=False):
    box = Sandbox()
    box.stub("id", 'echo %d' % uid)
    box.stub("present-tool")
    box.stub("pkg-config", "exit %d" % (0 if module_found else 1))
    if manager is not None:
        box.stub("apt-get" if manager == "apt" else manager)
    if sudo:
        box.stub("sudo", '"$@"')
    return box


def check_installing(tap, source_root):
    script = install_script(source_root, TABLES)

    box = install_sandbox(1000, "dnf", module_found=True)
    try:
        result = box.run(script)
        tap.check(result.returncode == 0 and not [c for c in box.calls()
                                                  if not c.startswith(("id", "pkg-config"))],
                  "nothing missing: nothing is installed, and sudo is not called",
                  (result.returncode, box.calls(), result.stderr))
    finally:
        box.cleanup()

    for manager in MANAGERS:
        for uid in (1000, 0):
            box = install_sandbox(uid, manager)
            try:
                result = box.run(script)
                calls = [c for c in box.calls() if not c.startswith(("id ", "pkg-config"))]
                installs = [c for c in calls if EXPECTED[manager] in c]
                through_sudo = any(c.startswith("sudo ") for c in calls)
                tap.check(result.returncode == 0 and installs
                          and through_sudo == (uid != 0)
                          and "present-tool" not in " ".join(calls),
                          "%s as %s: installs only the missing package%s"
                          % (manager, "root" if uid == 0 else "a user",
                             " through sudo" if uid else ""),
                          (result.returncode, calls, result.stderr))
                tap.check("missing-module" in result.stderr,
                          "%s: says what it installs, and why" % manager, result.stderr)
            finally:
                box.cleanup()

    box = install_sandbox(1000, None)
    try:
        result = box.run(script)
        tap.check(result.returncode != 0 and "missing-module" in result.stderr
                  and "--no-install" in result.stderr,
                  "no package manager: says what is missing, and stops",
                  (result.returncode, result.stderr))
    finally:
        box.cleanup()

    box = install_sandbox(1000, "pacman", sudo=False)
    try:
        result = box.run(script)
        tap.check(result.returncode != 0 and "as root" in result.stderr
                  and "pacman -S --needed pacman-module" in result.stderr
                  and not [c for c in box.calls() if c.startswith("pacman")],
                  "no sudo: gives the command to run as root, and stops",
                  (result.returncode, result.stderr, box.calls()))
    finally:
        box.cleanup()

    box = install_sandbox(1000, "apt")
    try:
        result = box.run(script, env={"QR_NO_INSTALL": "1"})
        tap.check(result.returncode == 0 and "missing-module" in result.stderr
                  and not [c for c in box.calls() if c.startswith(("apt", "sudo"))],
                  "QR_NO_INSTALL=1: says what is missing, installs nothing, goes on",
                  (result.returncode, result.stderr, box.calls()))
    finally:
        box.cleanup()

    # --no-install reaches common.sh from both commands.
    for command in ("run", "test"):
        with open(os.path.join(source_root, "build-aux", command), encoding="utf-8") as f:
            text = f.read()
        tap.check('"--no-install"' in text and "QR_NO_INSTALL=1" in text
                  and "qr_install_requirements" in text,
                  "build-aux/%s takes --no-install" % command)


# ---- udisks-session ----

def session_sandbox(uid, ours_and_foreign=True):
    box = Sandbox()
    box.stub("id", "echo %d" % uid)
    listing = ('echo "/dev/loop99 /tmp/qr-mount-test-foreign/private.img"\n'
               'echo "/dev/loop98 $TMPDIR/qr-mount-test-ours/private.img"\n'
               'echo "/dev/loop97 $TMPDIR/qr-mount-test-ours/root.img (deleted)"'
               if ours_and_foreign else "")
    box.stub("losetup", 'case "$*" in *--output*) %s ;; esac' % listing.replace("\n", ";"))
    box.stub("findmnt")
    box.stub("umount")
    box.stub("udevadm")
    box.stub("gdbus", 'echo "(true,)"')
    box.stub("dbus-daemon", "exec sleep 600")
    box.stub("udisksd", "exec sleep 600")
    return box


def check_udisks_session(tap, source_root):
    script = os.path.join(source_root, "tests", "mount", "udisks-session")
    command = 'printf "%s" "$TMPDIR" > "$1"'

    for uid, udisksd, why in [(1000, "udisksd", "not root"),
                              (0, "/nonexistent/udisksd", "no udisksd")]:
        box = session_sandbox(uid)
        try:
            marker = os.path.join(box.root, "ran")
            env = {"QR_UDISKSD": os.path.join(box.bin, udisksd) if "/" not in udisksd
                   else udisksd}
            result = box.run('exec "$1" bash -c "$2" bash "$3"', env=env,
                             args=(script, command, marker))
            tap.check(result.returncode == 0 and os.path.exists(marker),
                      "%s: the command runs without udisks" % why, result.stderr)
            tap.check(not [c for c in box.calls() if c.startswith(("losetup", "umount"))],
                      "%s: no loop device is looked at or detached" % why, box.calls())
        finally:
            box.cleanup()

    box = session_sandbox(0)
    try:
        marker = os.path.join(box.root, "ran")
        env = {"QR_UDISKSD": os.path.join(box.bin, "udisksd"),
               "QR_UDISKS_SESSION_TIMEOUT": "5"}
        result = box.run('exec "$1" bash -c "$2" bash "$3"', env=env,
                         args=(script, command, marker), timeout=120)
        tap.check(result.returncode == 0 and os.path.exists(marker),
                  "a whole session runs the command", result.stderr)
        tmpdir = open(marker).read() if os.path.exists(marker) else ""
        tap.check(re.search(r"/qr-udisks-session\.[^/]+/tmp$", tmpdir) is not None,
                  "the command has the session's own TMPDIR", tmpdir)
        tap.check(not os.path.exists(tmpdir), "the session's folder is removed at the end")
        detached = [c for c in box.calls() if c.startswith("losetup -d")]
        tap.check(sorted(detached) == ["losetup -d /dev/loop97", "losetup -d /dev/loop98"],
                  "only the session's own loop devices are detached", box.calls())
    finally:
        box.cleanup()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    source_root = sys.argv[1]
    tap = Tap()
    check_tables(tap, source_root)
    check_readme(tap, source_root)
    check_installing(tap, source_root)
    check_udisks_session(tap, source_root)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
