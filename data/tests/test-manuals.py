#!/usr/bin/env python3
# test-manuals.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check the built manual pages against the programs themselves.

The programs are asked for their commands and options (their --help, in
the C locale), and each manual page must name every one of them. The exit
statuses of `qubes-rescue-cli --help` must be the ones of the manual page
and of the README, and every member of the JSON documents the CLI prints
for a real backup must be documented.

The pages must also be installed into man1 (meson introspect).

Usage: test-manuals.py CLI GUI CLI-PAGE GUI-PAGE README FIXTURE-GENERATOR BUILD-DIR
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from tap import Tap

OPTION = re.compile(r'(?<![\w-])(--?[a-zA-Z][a-zA-Z-]*)')


def run(argv, **kwargs):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="C")
    return subprocess.run(argv, capture_output=True, text=True, env=env,
                          timeout=300, **kwargs)


def troff_text(path):
    """The text of a troff page, without font changes and escapes."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\f[BIRP]", "", text)
    text = text.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")
    return text


def section(text, title):
    """The lines of one .SH section."""
    match = re.search(r"^\.SH %s\n(.*?)(?=^\.SH |\Z)" % re.escape(title), text,
                      re.M | re.S)
    return match.group(1) if match else ""


def option_lines(help_text):
    found = set()
    for line in help_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-"):
            # "-d, --dest=DIR   Restore into ..." : the part before the text.
            head = re.split(r"\s{2,}", stripped)[0]
            found.update(o.split("=")[0] for o in OPTION.findall(head))
    return found


def commands_of(usage):
    return re.findall(r"^  qubes-rescue-cli (\w+)", usage, re.M)


def check_cli_page(tap, cli, page):
    usage = run([cli, "--help"])
    tap.check(usage.returncode == 0, "qubes-rescue-cli --help", usage.stderr)
    commands = commands_of(usage.stdout)
    tap.check(len(commands) >= 5, "the usage lists the commands", usage.stdout)

    synopsis = section(page, "SYNOPSIS")
    described = section(page, "COMMANDS")
    options = section(page, "OPTIONS")
    for command in commands:
        tap.check(re.search(r"qubes-rescue-cli %s\b" % command, synopsis) is not None,
                  "the synopsis shows %s" % command)
        tap.check(re.search(r"^%s\b" % command, described, re.M) is not None,
                  "COMMANDS describes %s" % command)
        result = run([cli, "help", command])
        tap.check(result.returncode == 0, "help %s" % command, result.stderr)
        for option in sorted(option_lines(result.stdout)):
            tap.check(re.search(r"^%s\b" % re.escape(option), options, re.M) is not None
                      or re.search(r"^[^\n]*, %s\b" % re.escape(option), options, re.M)
                      is not None,
                      "OPTIONS describes %s of %s" % (option, command))
    tap.check("--version" in options, "OPTIONS describes --version")

    # Each cell of the table is a "T{ ... T}" block of its own.
    documented = set(re.findall(r"^T\{\n(\d{1,3})\nT\}", section(page, "EXIT STATUS"), re.M))
    listed = set(re.findall(r"^\s*(\d{1,3})\s{2,}\S", usage.stdout.split("Exit status:")[-1],
                            re.M))
    tap.check(listed and documented == listed,
              "the exit statuses of --help are those of the manual page",
              "%s != %s" % (sorted(listed), sorted(documented)))
    return listed


def check_readme(tap, readme, listed):
    with open(readme, encoding="utf-8") as f:
        text = f.read()
    rows = set(re.findall(r"^\| (\d{1,3}) \|", text, re.M))
    tap.check(rows == listed, "the README's exit statuses are those of --help",
              "%s != %s" % (sorted(rows), sorted(listed)))


def check_gui_page(tap, gui, page):
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="C")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([gui, "--help-all"], capture_output=True, text=True, env=env,
                            timeout=60)
    tap.check(result.returncode == 0, "qubes-rescue --help-all", result.stderr)
    options = section(page, "OPTIONS")
    found = option_lines(result.stdout)
    tap.check("--version" in found, "qubes-rescue has --version", result.stdout)
    for option in sorted(found):
        tap.check(option in options, "qubes-rescue(1) describes %s" % option)


def json_keys(value, prefix=""):
    """Every member name in a JSON document, nested ones too."""
    keys = set()
    if isinstance(value, dict):
        for key, item in value.items():
            keys.add(key)
            keys |= json_keys(item)
    elif isinstance(value, list):
        for item in value:
            keys |= json_keys(item)
    return keys


def check_json(tap, cli, page, generator):
    documented = section(page, "JSON OUTPUT")
    tmp = tempfile.mkdtemp(prefix="qr-manuals-")
    try:
        backup = os.path.join(tmp, "backup")
        passphrase = os.path.join(tmp, "passphrase")
        with open(passphrase, "w") as f:
            f.write("correct horse battery staple\n")
        result = run([sys.executable, generator, "--qubes", "small", backup])
        tap.check(result.returncode == 0, "the fixture generator makes a backup",
                  result.stderr)
        if result.returncode != 0:
            return
        runs = {
            "info": [cli, "info", backup, "--json", "--passphrase-file", passphrase],
            "verify": [cli, "verify", backup, "--json", "--passphrase-file", passphrase],
            "restore": [cli, "restore", backup, "--json", "--dest",
                        os.path.join(tmp, "dest"), "--passphrase-file", passphrase],
        }
        for name, argv in runs.items():
            result = run(argv, stdin=subprocess.DEVNULL)
            tap.check(result.returncode == 0, "%s --json runs" % name, result.stderr)
            if result.returncode != 0:
                continue
            document = json.loads(result.stdout)
            for key in sorted(json_keys(document)):
                tap.check(re.search(r"^%s \(" % re.escape(key), documented, re.M)
                          is not None or re.search(r", %s \(" % re.escape(key), documented)
                          is not None,
                          "JSON OUTPUT documents %s of %s" % (key, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) != 8:
        print(__doc__, file=sys.stderr)
        return 2
    cli, gui, cli_page_path, gui_page_path, readme, generator, build_dir = sys.argv[1:]
    tap = Tap()

    installed = subprocess.run(["meson", "introspect", "--installed", build_dir],
                               capture_output=True, text=True)
    installed = json.loads(installed.stdout) if installed.returncode == 0 else {}
    pages = {}
    for path in (cli_page_path, gui_page_path):
        ok = os.path.isfile(path)
        tap.check(ok, "%s was built" % os.path.basename(path))
        target = installed.get(os.path.realpath(path), "")
        tap.check(target.endswith("/man1/" + os.path.basename(path)),
                  "%s is installed into man1" % os.path.basename(path), target)
        pages[path] = troff_text(path) if ok else ""
        tap.check(pages[path].startswith(".\\\"") or ".TH " in pages[path],
                  "%s is a troff page" % os.path.basename(path))

    listed = check_cli_page(tap, cli, pages[cli_page_path])
    check_readme(tap, readme, listed)
    check_gui_page(tap, gui, pages[gui_page_path])
    check_json(tap, cli, pages[cli_page_path], generator)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
