#!/usr/bin/env python3
# test-completions.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check the shell completions of qubes-rescue-cli in the shells themselves.

The CLI is asked for its commands and each command's options (its --help,
in the C locale). Then bash, zsh and fish load the completion files and
complete "qubes-rescue-cli " and "qubes-rescue-cli COMMAND --": each must
offer exactly the commands and options the program has. bash is called
directly; zsh runs interactively in a pseudo-terminal; fish answers
`complete -C`. A shell that is not installed is skipped, and says so.

Each file must also be installed where its shell looks (meson introspect).

Usage: test-completions.py CLI COMPLETIONS-DIR BUILD-DIR
"""

import json

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

from tap import Tap

OPTION = re.compile(r'(?<![\w-])(--[a-zA-Z][a-zA-Z-]*)')


def c_env():
    return dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="C")


def program_interface(cli):
    """{command: set of long options}, from the program's own help."""
    usage = subprocess.run([cli, "--help"], capture_output=True, text=True,
                           env=c_env()).stdout
    commands = re.findall(r"^  qubes-rescue-cli (\w+)", usage, re.M)
    interface = {}
    for command in commands:
        text = subprocess.run([cli, "help", command], capture_output=True, text=True,
                              env=c_env()).stdout
        options = set()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("-"):
                head = re.split(r"\s{2,}", stripped)[0]
                options.update(o.split("=")[0] for o in OPTION.findall(head))
        interface[command] = options
    return interface


def check_shell(tap, shell, complete, interface):
    """complete(line) returns the words the shell offers for @line."""
    commands = set(interface)
    offered = complete("qubes-rescue-cli ")
    tap.check(offered is not None and commands <= offered,
              "%s completes every command" % shell,
              "missing %s from %s" % (sorted(commands - (offered or set())), offered))
    tap.check(offered is not None and not (offered - commands - {"--help", "--version"}),
              "%s offers no command the program lacks" % shell,
              sorted((offered or set()) - commands))
    for command, options in sorted(interface.items()):
        if command == "help":
            offered = complete("qubes-rescue-cli help ")
            expected = commands - {"help"}
            tap.check(offered == expected, "%s completes the commands after help" % shell,
                      "%s != %s" % (sorted(offered or ()), sorted(expected)))
            continue
        offered = complete("qubes-rescue-cli %s --" % command)
        offered = {o for o in offered or () if o.startswith("--")}
        tap.check(offered == options, "%s completes the options of %s" % (shell, command),
                  "%s != %s" % (sorted(offered), sorted(options)))


def bash_completer(path):
    def complete(line):
        words = line.split(" ")
        script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));'
                  ' _qubes_rescue_cli; printf "%s\\n" "${COMPREPLY[@]}"')
        result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", path,
                                 *words], capture_output=True, text=True, cwd=tempfile.gettempdir())
        if result.returncode != 0:
            return None
        return set(result.stdout.split())
    return complete


def fish_completer(path):
    def complete(line):
        result = subprocess.run(["fish", "--no-config", "-c",
                                 "source $argv[1]; complete -C$argv[2]", path, line],
                                capture_output=True, text=True, env=c_env())
        if result.returncode != 0:
            return None
        return {entry.split("\t")[0] for entry in result.stdout.splitlines() if entry}
    return complete


def zsh_completer(directory):
    """An interactive zsh in a pseudo-terminal, which lists the matches
    after two tabs; the listing is read off the screen."""
    def complete(line):
        home = tempfile.mkdtemp(prefix="qr-zsh-")
        try:
            with open(os.path.join(home, ".zshrc"), "w") as f:
                f.write("fpath=(%s $fpath)\n"
                        "autoload -Uz compinit\n"
                        "compinit -u -d %s/.zcompdump\n"
                        "PROMPT='READY> '\n"
                        "LISTMAX=0\n"
                        "unsetopt BEEP\n"
                        "zstyle ':completion:*' verbose no\n"
                        % (directory, home))
            master, slave = pty.openpty()
            env = dict(c_env(), ZDOTDIR=home, HOME=home, TERM="dumb")
            process = subprocess.Popen(["zsh", "-i"], stdin=slave, stdout=slave,
                                       stderr=slave, env=env, start_new_session=True,
                                       cwd=home)
            screen = b""

            def read_for(seconds, until=None):
                nonlocal screen
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    if until is not None and until in screen:
                        return
                    ready, _, _ = select.select([master], [], [], 0.1)
                    if ready:
                        screen += os.read(master, 65536)
            try:
                read_for(20, b"READY> ")
                start = len(screen)
                os.write(master, line.encode() + b"\t")
                read_for(1)
                os.write(master, b"\t")
                read_for(1.5)
            finally:
                process.kill()
                process.wait()
                os.close(master)
                os.close(slave)
            text = screen[start:].decode(errors="replace")
            text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")
            rows = [r.strip() for r in text.splitlines() if r.strip()]
            # Without descriptions (verbose no), the listing is the matches
            # in columns between the typed line and the next prompt...
            listing = [r for r in rows if not r.startswith("READY>")
                       and not r.startswith("qubes-rescue-cli")]
            if listing:
                return {w for r in listing for w in r.split()}
            # ...and a single match is inserted instead.
            typed = [r for r in rows if "qubes-rescue-cli" in r]
            if not typed:
                return None
            return {typed[-1].split()[-1]}
        finally:
            shutil.rmtree(home, ignore_errors=True)
    return complete


# Where each shell loads completions from, under the installation prefix.
INSTALL_DIRS = {
    "bash": "share/bash-completion/completions/qubes-rescue-cli",
    "zsh": "share/zsh/site-functions/_qubes-rescue-cli",
    "fish": "share/fish/vendor_completions.d/qubes-rescue-cli.fish",
}


def installed_files(build_dir):
    result = subprocess.run(["meson", "introspect", "--installed", build_dir],
                            capture_output=True, text=True)
    return json.loads(result.stdout) if result.returncode == 0 else {}


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    cli, directory, build_dir = sys.argv[1:]
    tap = Tap()
    files = {
        "bash": os.path.join(directory, "qubes-rescue-cli.bash"),
        "zsh": os.path.join(directory, "_qubes-rescue-cli"),
        "fish": os.path.join(directory, "qubes-rescue-cli.fish"),
    }

    interface = program_interface(cli)
    tap.check(len(interface) >= 5, "the program lists its commands", interface)

    installed = installed_files(build_dir)
    for shell, path in files.items():
        tap.check(os.path.isfile(path), "the %s completion exists" % shell)
        target = installed.get(os.path.realpath(path), "")
        tap.check(target.endswith("/" + INSTALL_DIRS[shell]),
                  "the %s completion is installed as .../%s" % (shell, INSTALL_DIRS[shell]),
                  target)
        if shutil.which(shell) is None:
            tap.skip("%s completes the program" % shell, "%s is not installed" % shell)
            continue
        syntax = subprocess.run([shell, "-n", path], capture_output=True, text=True)
        tap.check(syntax.returncode == 0, "the %s completion parses" % shell, syntax.stderr)

    if shutil.which("bash"):
        check_shell(tap, "bash", bash_completer(files["bash"]), interface)
    if shutil.which("fish"):
        check_shell(tap, "fish", fish_completer(files["fish"]), interface)
    if shutil.which("zsh"):
        check_shell(tap, "zsh", zsh_completer(directory), interface)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
