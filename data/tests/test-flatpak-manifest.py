#!/usr/bin/env python3
# test-flatpak-manifest.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check the Flatpak manifest against Flathub's linter, without building.

flatpak-builder and flatpak-builder-lint cannot run here (no runtimes, no
network), so this applies their manifest rules itself: the linter's own
JSON schema (a copy beside this file), then each rule of its manifest
checks, named by the error ID the linter would give (flatpak-builder-lint,
flatpak_builder_lint/checks/*.py). Beyond the linter it checks least
privilege: no file system access, no network, and a stated reason for each
permission. flatpak/README.md lists every rule and what stays untested.

Usage: test-flatpak-manifest.py MANIFEST SCHEMA APP-ID PROJECT-URL SOURCE-ROOT
"""

import json
import os
import re
import subprocess
import sys

from tap import Tap

# The newest stable GNOME runtime at the time of writing. The linter warns
# as soon as a newer one exists (runtime-update-available-*) and fails
# three versions behind an end-of-life one (runtime-is-eol-*).
NEWEST_GNOME_RUNTIME = 51

# What the program needs, and nothing else: a display, GPU rendering, the
# file manager to show restored files, and udisks to mount restored images.
# Files come through the portals, which need no permission.
ALLOWED_FINISH_ARGS = {
    "--share=ipc",
    "--socket=fallback-x11",
    "--socket=wayland",
    "--device=dri",
    "--talk-name=org.freedesktop.FileManager1",
    "--system-talk-name=org.freedesktop.UDisks2",
}

HOST_FILESYSTEMS = re.compile(r"^(home|host|host-root|host-etc|host-os|~/?)(:rw|:create|:ro)?$")
RESERVED_PATHS = ("/.flatpak-info", "/app", "/bin", "/dev", "/etc", "/lib", "/lib32", "/lib64",
                  "/proc", "/root", "/run/flatpak", "/run/host", "/sbin", "/usr")


class LintTap(Tap):
    def rule(self, rule_id, ok, diagnostic=None):
        """A linter rule that must not fire."""
        self.check(ok, "no %s" % rule_id, diagnostic)


# ---- checks/jsonschema.py, checks/toplevel.py ----

def check_schema(tap, manifest, schema_path):
    try:
        import jsonschema
    except ImportError:
        tap.check(False, "python3-jsonschema is installed, to read the linter's schema")
        return
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.validate(manifest, schema)
        error = None
    except jsonschema.ValidationError as e:
        error = e.message
    # The schema forbids unknown properties, as flatpak-builder warns of them.
    tap.rule("jsonschema-validation-error (nor manifest-unknown-properties)", error is None,
             error)


def check_toplevel(tap, manifest):
    command = manifest.get("command")
    tap.rule("toplevel-no-command", bool(command))
    tap.rule("toplevel-command-is-path", not (command or "").startswith("/"))
    tap.rule("toplevel-unnecessary-branch", "branch" not in manifest)
    tap.rule("toplevel-cleanup-debug", not any(c == "/lib/debug" or c.startswith("/lib/debug/")
                                               for c in manifest.get("cleanup", [])))
    tap.rule("toplevel-no-modules", bool(manifest.get("modules")))
    tap.rule("manifest-toplevel-build-network-access",
             "--share=network" not in manifest.get("build-options", {}).get("build-args", []))


# ---- checks/appid.py ----

def check_app_id(tap, manifest, manifest_path, app_id, project_url):
    # flatpak-builder --show-manifest, which the linter reads, calls it "id"
    # whichever key the file uses; this project writes "id".
    found = manifest.get("id", manifest.get("app-id"))
    tap.check(manifest.get("id") == app_id and "app-id" not in manifest,
              "the manifest's id is %s" % app_id, found)
    tap.rule("appid-not-defined", bool(found))
    found = found or ""
    parts = found.split(".")
    tap.rule("appid-length-more-than-255-chars", len(found) <= 255)
    tap.rule("appid-less-than-3-components", len(parts) >= 3)
    tap.rule("appid-component-wrong-syntax",
             all(re.match(r"^[A-Za-z_][\w\-]*$", part) for part in parts))
    tap.rule("appid-too-many-components-for-app", len(parts) <= 5)
    tap.rule("appid-ends-with-lowercase-desktop", parts[-1] != "desktop")
    domain, tld = (parts[1].lower(), parts[0].lower()) if len(parts) > 1 else ("", "")
    tap.rule("appid-uses-code-hosting-domain",
             not (domain in ("github", "gitlab") and tld != "io"))
    tap.rule("appid-code-hosting-too-few-components",
             not (domain in ("github", "gitlab", "codeberg") and len(parts) < 4))
    basename = os.path.splitext(os.path.basename(manifest_path))[0]
    tap.rule("appid-filename-mismatch", basename == found, basename)
    tap.rule("manifest-file-is-symlink", not os.path.islink(manifest_path))
    # appid-url-not-reachable: the linter fetches https://github.com/OWNER/NAME
    # (domainutils.get_proj_url, lower case). Reachability needs the network;
    # that it is the project's own page is checked here.
    implied = ("https://github.com/%s/%s" % (parts[2], parts[3])).lower() if len(parts) == 4 \
        else None
    tap.check(implied == project_url,
              "appid-url-not-reachable: the ID names the project's page %s" % project_url,
              implied)


# ---- checks/finish_args.py ----

def parse_finish_args(finish_args):
    """As the linter does: {key: set of values}."""
    parsed = {}
    for arg in finish_args:
        key, _, value = arg.partition("=")
        key = key.removeprefix("--")
        if key == "nosocket":
            key, value = "socket", "!" + value
        elif key == "unshare":
            key, value = "share", "!" + value
        elif key == "nodevice":
            key, value = "device", "!" + value
        parsed.setdefault(key, set()).add(value)
    return parsed


def check_finish_args(tap, manifest, app_id):
    finish_args = manifest.get("finish-args")
    tap.rule("finish-args-not-defined", finish_args is not None)
    finish_args = finish_args or []
    fa = parse_finish_args(finish_args)
    socket, share, device = fa.get("socket", set()), fa.get("share", set()), fa.get("device", set())
    filesystems = fa.get("filesystem", set())
    talk = fa.get("talk-name", set())
    system_talk = fa.get("system-talk-name", set())

    tap.rule("finish-args-contains-both-x11-and-fallback",
             not ("x11" in socket and "fallback-x11" in socket))
    tap.rule("finish-args-contains-both-x11-and-wayland",
             not ("x11" in socket and "wayland" in socket))
    tap.rule("finish-args-x11-without-ipc",
             not (socket & {"x11", "fallback-x11"}) or "ipc" in share)
    tap.rule("finish-args-fallback-x11-without-wayland",
             "fallback-x11" not in socket or "wayland" in socket)
    tap.rule("finish-args-only-wayland",
             "wayland" not in socket or bool(socket & {"x11", "fallback-x11"}))
    tap.rule("finish-args-contains-inherit-wayland-socket", "inherit-wayland-socket" not in socket)
    tap.rule("finish-args-has-socket-gpg-agent", "gpg-agent" not in socket)
    tap.rule("finish-args-has-socket-ssh-auth", "ssh-auth" not in socket)
    tap.rule("finish-args-has-nosocket-*, -unshare-*, -nodevice-*",
             not any(v.startswith("!") for v in socket | share | device))
    tap.rule("finish-args-arbitrary-dbus-access", not (socket & {"system-bus", "session-bus"}))
    tap.rule("finish-args-no-required-flatpak (input or usb devices)",
             not (device & {"input", "usb"}) or "require-version" in fa)
    tap.rule("finish-args-metadata-key", "metadata" not in fa)
    tap.rule("finish-args-conditional-permission-not-allowed-*",
             not any(k.endswith("-if") for k in fa))

    tap.rule("finish-args-host-filesystem-access (and home-, host-os-, host-etc-, "
             "host-root-)", not any(HOST_FILESYSTEMS.match(f) for f in filesystems), filesystems)
    tap.rule("finish-args-reserved-*",
             not any(f.split(":")[0].rstrip("/") == p or f.startswith(p + "/")
                     for f in filesystems for p in RESERVED_PATHS))
    tap.rule("finish-args-arbitrary-xdg-*-access and finish-args-unnecessary-xdg-*-access",
             not any(f.startswith(("xdg-data", "xdg-config", "xdg-cache")) for f in filesystems))
    tap.rule("finish-args-host-tmp-access, -host-var-access, -absolute-home-path, "
             "-absolute-run-media-path",
             not any(f.startswith(("/tmp", "/var", "/home", "/run/media")) for f in filesystems))
    tap.rule("finish-args-*-filesystem-access of home folders (~/.config, ~/.ssh, ~/.var/app ...)",
             not any(f.startswith(("~", "home/")) for f in filesystems))

    for name in talk:
        tap.rule("finish-args-unnecessary-appid-talk-name",
                 name != app_id and not name.startswith(app_id + "."))
        tap.rule("finish-args-portal-talk-name (%s)" % name,
                 not name.startswith("org.freedesktop.portal."))
        tap.rule("finish-args-wildcard-*-talk-name (%s)" % name, not name.endswith(".*"))
        tap.rule("finish-args-flatpak-spawn-access, -flatpak-talk-name, -dconf-talk-name, "
                 "-freedesktop-dbus-talk-name, -incorrect-dbus-gvfs, -systemd1-, -login1- (%s)"
                 % name,
                 not name.startswith(("org.freedesktop.Flatpak", "ca.desrt.dconf",
                                      "org.freedesktop.DBus", "org.freedesktop.systemd1",
                                      "org.freedesktop.login1", "org.freedesktop.impl.portal."))
                 and name not in ("org.gtk.vfs", "org.freedesktop.Secrets"))
    for name in system_talk:
        tap.rule("finish-args-*-system-talk-name (%s)" % name,
                 not name.endswith(".*") and not name.startswith(
                     ("org.freedesktop.DBus", "org.freedesktop.Flatpak",
                      "org.freedesktop.systemd1", "org.freedesktop.login1",
                      "org.freedesktop.impl.portal.")))
    tap.rule("finish-args-own-name-* and finish-args-system-own-name-*",
             "own-name" not in fa and "system-own-name" not in fa)
    tap.rule("finish-args-uses-no-talk-name", "no-talk-name" not in fa)

    # Least privilege, beyond the linter.
    extra = set(finish_args) - ALLOWED_FINISH_ARGS
    tap.check(not extra, "finish-args grant nothing beyond what the program needs", extra)
    tap.check(not filesystems, "no file system access at all: files come through the portals",
              filesystems)
    tap.check("network" not in share, "no network access")
    tap.check(len(finish_args) == len(set(finish_args)), "finish-args has no duplicates")
    reasons = " ".join(manifest.get("//finish-args", []))
    for arg in finish_args:
        if arg.startswith(("--talk-name=", "--system-talk-name=")):
            tap.check(arg in reasons, "the reason for %s is stated beside it" % arg)


# ---- checks/eolruntime.py ----

def check_runtime(tap, manifest):
    tap.check(manifest.get("runtime") == "org.gnome.Platform", "runtime is org.gnome.Platform")
    tap.check(manifest.get("sdk") == "org.gnome.Sdk", "sdk is org.gnome.Sdk")
    version = str(manifest.get("runtime-version", ""))
    tap.rule("runtime-is-eol-org.gnome.Platform-%s and runtime-update-available-*" % version,
             re.fullmatch(r"\d+", version) is not None
             and int(version) >= NEWEST_GNOME_RUNTIME,
             "runtime-version %s, the newest is %d" % (version, NEWEST_GNOME_RUNTIME))


# ---- checks/modules.py ----

def check_source(tap, module_name, source):
    kind = source.get("type")
    label = "%s (%s source)" % (module_name, kind)
    dest_filename = source.get("dest-filename")
    tap.rule("module-%s-source-dest-filename-is-path" % module_name,
             not dest_filename or "/" not in dest_filename)
    tap.rule("module-%s-source-dir-not-allowed" % module_name, kind != "dir")
    if kind in ("archive", "file"):
        tap.rule("module-%s-source-sha1-deprecated and -md5-deprecated" % module_name,
                 "sha1" not in source and "md5" not in source)
        tap.check(re.fullmatch(r"[0-9a-f]{64}", source.get("sha256", "")) is not None,
                  "%s is pinned by sha256" % label)
    if kind == "git":
        url = source.get("url", "")
        tap.rule("module-%s-source-git-no-url" % module_name, bool(url))
        tap.rule("module-%s-source-git-url-not-http" % module_name,
                 url.startswith(("http://", "https://")))
        tap.rule("module-%s-source-git-no-tag-commit-branch" % module_name,
                 any(source.get(k) for k in ("commit", "branch", "tag")))
        tap.rule("module-%s-source-git-no-commit-with-tag" % module_name,
                 not source.get("tag") or bool(source.get("commit")))
        tap.rule("module-%s-source-git-branch" % module_name, "branch" not in source)
        tap.check(re.fullmatch(r"[0-9a-f]{40}", source.get("commit", "")) is not None,
                  "%s is pinned to a full commit" % label)
    if source.get("url"):
        tap.check(source["url"].startswith("https://"), "%s is fetched over https" % label)
    tap.rule("module-%s-checker-tracks-commits" % module_name,
             "commit-query" not in source.get("x-checker-data", {}))


def check_module(tap, module):
    name = module.get("name")
    tap.check(isinstance(name, str) and name != "", "every module has a name")
    tap.rule("module-%s-build-network-access" % name,
             "--share=network" not in module.get("build-options", {}).get("build-args", []))
    if module.get("buildsystem", "autotools") == "autotools":
        tap.rule("module-%s-autotools-non-release-build" % name,
                 not any(o.startswith("--enable-debug") and not o.endswith("=no")
                         for o in module.get("config-opts", [])))
    tap.rule("module-%s-cleanup-debug" % name,
             not any(c == "/lib/debug" or c.startswith("/lib/debug/")
                     for c in module.get("cleanup", [])))
    sources = module.get("sources", [])
    git_dests = {}
    for source in sources:
        if not isinstance(source, dict):
            tap.check(False, "%s: every source is inline" % name, source)
            continue
        check_source(tap, name, source)
        if source.get("type") == "git":
            git_dests.setdefault(source.get("dest", "."), []).append(source.get("url"))
    tap.rule("module-%s-multiple-git-sources-stacked" % name,
             all(len(urls) == 1 for urls in git_dests.values()))
    for nested in module.get("modules", []):
        check_module(tap, nested)


def check_modules(tap, manifest, project_url, source_root):
    modules = manifest.get("modules", [])
    tap.check(all(isinstance(m, dict) for m in modules), "every module is inline")
    modules = [m for m in modules if isinstance(m, dict)]
    for module in modules:
        check_module(tap, module)

    names = [m.get("name") for m in modules]
    tap.check(names[-1:] == ["qubes-rescue"], "qubes-rescue is built last", names)
    tap.check("e2fsprogs" in names, "e2fsprogs (libext2fs) is built", names)

    for module in modules:
        if module.get("name") == "qubes-rescue":
            continue
        for source in module.get("sources", []):
            if isinstance(source, dict) and source.get("type") in ("archive", "file", "git"):
                tap.check("x-checker-data" in source,
                          "%s: the external source has x-checker-data" % module.get("name"))

    by_name = {m.get("name"): m for m in modules}
    project = by_name.get("qubes-rescue", {})
    tap.check(project.get("buildsystem") == "meson", "qubes-rescue builds with meson")
    tap.check("-Dtests=false" in project.get("config-opts", []),
              "qubes-rescue is configured with -Dtests=false")
    sources = project.get("sources", [])
    source = sources[0] if len(sources) == 1 and isinstance(sources[0], dict) else {}
    tap.check(source.get("type") == "git" and source.get("url") == project_url + ".git",
              "qubes-rescue comes from %s.git" % project_url, sources)
    tap.check(re.fullmatch(r"v\d+\.\d+\.\d+", source.get("tag", "")) is not None,
              "qubes-rescue is built from a release tag", source.get("tag"))
    tap.check(source.get("x-checker-data", {}).get("type") == "git"
              and "tag-pattern" in source.get("x-checker-data", {}),
              "qubes-rescue's releases are followed by their tags")
    commit = source.get("commit", "")
    if os.path.isdir(os.path.join(source_root, ".git")) or \
            os.path.isfile(os.path.join(source_root, ".git")):
        found = subprocess.run(["git", "-C", source_root, "cat-file", "-e", commit + "^{commit}"],
                               capture_output=True)
        tap.check(found.returncode == 0, "the commit %s is in this repository" % commit[:12])
    else:
        print("# not a git checkout: the commit is not looked up")


# ---- checks/toplevel.py (gitmodules), checks/flathub_json.py ----

def check_repository(tap, source_root, manifest_dir):
    tap.rule("external-gitmodule-url-found",
             not os.path.exists(os.path.join(source_root, ".gitmodules")))
    flathub_json = os.path.join(manifest_dir, "flathub.json")
    if os.path.exists(flathub_json):
        with open(flathub_json, encoding="utf-8") as f:
            data = json.load(f)
        tap.rule("flathub-json-skip-appstream-check", not data.get("skip-appstream-check"))
        tap.rule("flathub-json-automerge-enabled", not data.get("automerge-flathubbot-prs"))
    else:
        print("# no flathub.json: none of the flathub-json-* rules apply")


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    path, schema, app_id, project_url, source_root = sys.argv[1:]
    tap = LintTap()

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        # flatpak-builder reads comments, but Flathub wants plain JSON.
        tap.check(False, "no manifest-invalid-json", e)
        return tap.finish()
    tap.check(isinstance(manifest, dict), "no manifest-invalid-json")

    check_schema(tap, manifest, schema)
    check_toplevel(tap, manifest)
    check_app_id(tap, manifest, path, app_id, project_url)
    check_finish_args(tap, manifest, app_id)
    check_runtime(tap, manifest)
    check_modules(tap, manifest, project_url, source_root)
    check_repository(tap, source_root, os.path.dirname(os.path.abspath(path)))
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
