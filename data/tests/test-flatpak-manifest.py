#!/usr/bin/env python3
# test-flatpak-manifest.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check the Flatpak manifest without building it.

flatpak-builder cannot run here (no Flatpak remotes), so this checks what a
build would depend on: the manifest parses as plain JSON, names the
application, its command and runtime, builds this project alone (its
libraries all come with the GNOME runtime), grants the access the program needs and no more, and pins every
downloaded source by its SHA-256.

Usage: test-flatpak-manifest.py MANIFEST APPLICATION-ID
"""

import json
import re
import sys

REQUIRED_FINISH_ARGS = [
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
    "--share=ipc",
    "--system-talk-name=org.freedesktop.UDisks2",
    "--filesystem=host",
]

# Access beyond what is listed above would need its own reason.
FORBIDDEN_FINISH_ARGS = [
    "--share=network",
    "--socket=x11",
    "--socket=session-bus",
    "--socket=system-bus",
    "--device=all",
    "--filesystem=home",
]


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0

    def check(self, ok, description, diagnostic=None):
        self.count += 1
        if not ok:
            self.failed += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.count, description))
        if diagnostic is not None and not ok:
            print("#   %s" % diagnostic)

    def finish(self):
        print("1..%d" % self.count)
        return 1 if self.failed else 0


def sources_of(module):
    for source in module.get("sources", []):
        # A string names a JSON file of sources; the manifest must be
        # self-contained so the test can see every checksum.
        yield source


def main():
    if len(sys.argv) != 3:
        print("usage: %s MANIFEST APPLICATION-ID" % sys.argv[0], file=sys.stderr)
        return 2
    path, app_id = sys.argv[1], sys.argv[2]
    tap = Tap()

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        # C-style comments would parse in flatpak-builder but not here, nor
        # in most tools that read manifests; "//" keys are the portable way.
        tap.check(False, "the manifest parses as JSON", e)
        return tap.finish()
    tap.check(isinstance(manifest, dict), "the manifest parses as JSON")

    tap.check(manifest.get("app-id") == app_id, "app-id is %s" % app_id,
              manifest.get("app-id"))
    tap.check(manifest.get("command") == "qubes-rescue",
              "command is qubes-rescue", manifest.get("command"))
    tap.check(manifest.get("runtime") == "org.gnome.Platform",
              "runtime is org.gnome.Platform", manifest.get("runtime"))
    tap.check(manifest.get("sdk") == "org.gnome.Sdk",
              "sdk is org.gnome.Sdk", manifest.get("sdk"))
    version = str(manifest.get("runtime-version", ""))
    tap.check(re.fullmatch(r"\d+", version) is not None and int(version) >= 47,
              "runtime-version is 47 or later", version)

    finish_args = manifest.get("finish-args", [])
    for arg in REQUIRED_FINISH_ARGS:
        tap.check(arg in finish_args, "finish-args has %s" % arg)
    for arg in FORBIDDEN_FINISH_ARGS:
        tap.check(arg not in finish_args, "finish-args has no %s" % arg)
    tap.check(len(finish_args) == len(set(finish_args)),
              "finish-args has no duplicates")
    reason = manifest.get("//finish-args", "")
    tap.check("--filesystem=host" in reason and "sparse" in reason,
              "the reason for --filesystem=host is stated beside it")

    modules = manifest.get("modules", [])
    names = [m.get("name") if isinstance(m, dict) else m for m in modules]
    tap.check(names == ["qubes-rescue"], "the only module is qubes-rescue", names)
    by_name = {m.get("name"): m for m in modules if isinstance(m, dict)}

    project = by_name.get("qubes-rescue", {})
    tap.check(project.get("buildsystem") == "meson",
              "qubes-rescue builds with meson", project.get("buildsystem"))
    tap.check("-Dtests=false" in project.get("config-opts", []),
              "qubes-rescue is configured with -Dtests=false")
    project_sources = list(sources_of(project))
    tap.check(project_sources == [{"type": "dir", "path": ".."}],
              "qubes-rescue is built from the local tree", project_sources)

    for module in modules:
        if not isinstance(module, dict):
            tap.check(False, "module %r is inline" % module,
                      "external module files are not checked")
            continue
        for source in sources_of(module):
            if not isinstance(source, dict):
                tap.check(False, "%s: source %r is inline" %
                          (module.get("name"), source))
                continue
            kind = source.get("type")
            if kind == "dir":
                continue
            label = "%s: %s source %s" % (module.get("name"), kind,
                                          source.get("url") or source.get("path"))
            if kind == "git":
                pinned = re.fullmatch(r"[0-9a-f]{40}", source.get("commit", ""))
                tap.check(pinned is not None, label + " is pinned to a commit")
            else:
                pinned = re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", ""))
                tap.check(pinned is not None, label + " is pinned by sha256",
                          source.get("sha256"))
            url = source.get("url")
            if url is not None:
                tap.check(url.startswith("https://"), label + " uses https")
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
