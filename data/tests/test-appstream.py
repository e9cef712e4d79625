#!/usr/bin/env python3
# test-appstream.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Check the desktop file and the metainfo as Flathub reviews them.

appstreamcli and desktop-file-validate check the formats; this checks what
Flathub asks beyond them: no hint from desktop-file-validate (one main
category), branding colours, screenshots with captions and sizes at a URL
that names the release (and the sizes of the files themselves), releases
with descriptions, a <developer> with an ID, the help, translate, contact
and vcs-browser links, and that every link of the project, in every file
of the source tree, is the repository the application ID names.

Usage: test-appstream.py METAINFO DESKTOP-FILE APP-ID PROJECT-URL VERSION SOURCE-ROOT
"""

import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

from tap import Tap

MAIN_CATEGORIES = {"AudioVideo", "Audio", "Video", "Development", "Education", "Game",
                   "Graphics", "Network", "Office", "Science", "Settings", "System",
                   "Utility"}
REQUIRED_URLS = ["homepage", "bugtracker", "help", "translate", "contact", "vcs-browser"]
LOW_QUALITY_CATEGORIES = {"GTK", "Qt", "KDE", "GNOME", "Motif", "Java", "Application", "XFCE",
                          "DDE"}
SKIPPED_DIRS = {".git", "_build", "_build-sanitize", "build", "__pycache__"}


def url_of_app_id(app_id):
    """The repository Flathub's linter expects for an io.github ID
    (flatpak-builder-lint, domainutils.get_proj_url)."""
    parts = app_id.split(".")
    if parts[:2] != ["io", "github"] or len(parts) != 4:
        return None
    return ("https://github.com/%s/%s" % (parts[2], parts[3])).lower()


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def app_id_of(desktop_path):
    return os.path.basename(desktop_path).removesuffix(".desktop")


def check_desktop(tap, path):
    env = dict(os.environ, LC_ALL="C", LANGUAGE="C")
    result = subprocess.run(["desktop-file-validate", path], capture_output=True,
                            text=True, env=env)
    tap.check(result.returncode == 0 and result.stdout.strip() == "",
              "desktop-file-validate has nothing to say", result.stdout + result.stderr)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    keys = dict(re.findall(r"^([A-Za-z]+)=(.*)$", text, re.M))
    categories = set(keys.get("Categories", "").split(";")) - {""}
    found = categories & MAIN_CATEGORIES
    tap.check(len(found) == 1, "one main category", sorted(found))
    # Flathub's desktop file rules (flatpak-builder-lint, checks/desktop.py).
    tap.check(not categories <= LOW_QUALITY_CATEGORIES,
              "no desktop-file-low-quality-category", sorted(categories))
    tap.check(keys.get("Icon") == app_id_of(path), "no desktop-file-icon-key-wrong-value",
              keys.get("Icon"))
    tap.check("Exec" in keys and "flatpak run" not in keys["Exec"],
              "no desktop-file-exec-key-absent nor desktop-file-exec-has-flatpak-run")
    tap.check(keys.get("Hidden", "false") != "true" and keys.get("NoDisplay", "false") != "true",
              "no desktop-file-is-hidden nor desktop-file-is-nodisplay")


def check_screenshots(tap, root, component, version, source_root, project_url):
    screenshots = component.findall("screenshots/screenshot")
    tap.check(len(screenshots) >= 1, "there are screenshots")
    defaults = [s for s in screenshots if s.get("type") == "default"]
    tap.check(len(defaults) == 1, "one screenshot is the default")
    raw = project_url.replace("https://github.com/", "https://raw.githubusercontent.com/")
    for shot in screenshots:
        image = shot.find("image")
        caption = shot.find("caption")
        url = image.text.strip() if image is not None and image.text else ""
        name = os.path.basename(url)
        tap.check(caption is not None and (caption.text or "").strip() != "",
                  "%s has a caption" % name)
        tap.check(url.startswith(raw + "/v%s/" % version),
                  "%s is at the release's tag v%s" % (name, version), url)
        tap.check(image is not None and image.get("type") == "source",
                  "%s is the source image" % name)
        local = os.path.join(source_root, url[len(raw + "/v%s/" % version):])
        size = png_size(local) if os.path.isfile(local) else None
        tap.check(size is not None, "%s is in the source tree" % name, local)
        declared = (image.get("width"), image.get("height")) if image is not None else ()
        tap.check(size is not None and declared == (str(size[0]), str(size[1])),
                  "%s declares its size" % name, "%s != %s" % (declared, size))


def check_metainfo(tap, path, app_id, project_url, version, source_root):
    tree = ET.parse(path)
    component = tree.getroot()
    tap.check(component.findtext("id") == app_id, "the ID is %s" % app_id)
    launchable = component.find("launchable")
    tap.check(launchable is not None and launchable.text == app_id + ".desktop",
              "it launches %s.desktop" % app_id)

    developer = component.find("developer")
    tap.check(developer is not None and (developer.get("id") or "").count(".") >= 1
              and (developer.findtext("name") or "").strip() != "",
              "a <developer> with an ID and a name")
    tap.check(component.find("developer_name") is None, "no deprecated <developer_name>")

    colours = {c.get("scheme_preference"): (c.text or "").strip()
               for c in component.findall("branding/color") if c.get("type") == "primary"}
    for scheme in ("light", "dark"):
        tap.check(re.fullmatch(r"#[0-9a-fA-F]{6}", colours.get(scheme, "")) is not None,
                  "a primary branding colour for the %s scheme" % scheme, colours)
    tap.check(colours.get("light") != colours.get("dark"), "the two colours differ")

    check_screenshots(tap, path, component, version, source_root, project_url)

    releases = component.findall("releases/release")
    tap.check(len(releases) >= 1, "there are releases")
    tap.check(releases and releases[0].get("version") == version,
              "the newest release is this version, %s" % version,
              releases[0].get("version") if releases else None)
    for release in releases:
        paragraphs = release.findall("description/p") + release.findall("description/ul")
        tap.check(bool(paragraphs) and release.get("date"),
                  "release %s has a date and a description" % release.get("version"))

    urls = {u.get("type"): (u.text or "").strip() for u in component.findall("url")}
    for kind in REQUIRED_URLS:
        tap.check(urls.get(kind, "").startswith(project_url),
                  "the %s link is on the project's page" % kind, urls.get(kind))
    tap.check(urls.get("homepage") == project_url and urls.get("vcs-browser") == project_url,
              "homepage and vcs-browser are the repository itself")

    # The sandbox's bus names, each said in plain words (see the manifest).
    description = ET.tostring(component.find("description"), encoding="unicode")
    tap.check("udisks" in description, "the description says why udisks is used")
    tap.check("file manager" in description, "the description says why the file manager is")
    tap.check(component.find("content_rating") is not None, "a content rating")
    tap.check((component.findtext("project_license") or "").strip() != "",
              "no appstream-missing-project-license")
    tap.check(not releases or releases[0].get("type", "stable") == "stable",
              "no appstream-latest-release-is-prerelease")


def check_links_everywhere(tap, source_root, project_url):
    """Every link to the project's owner on GitHub, in every file, is the
    repository the application ID names."""
    owner = project_url.rsplit("/", 1)[0]
    pattern = re.compile(re.escape(owner).replace("https\\:", "https?:") +
                         r"/[A-Za-z0-9_.-]+", re.I)
    raw_owner = owner.replace("github.com", "raw.githubusercontent.com")
    raw_pattern = re.compile(re.escape(raw_owner) + r"/[A-Za-z0-9_.-]+", re.I)
    wrong = []
    checked = 0
    for parent, dirs, files in os.walk(source_root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            path = os.path.join(parent, name)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except (UnicodeDecodeError, OSError):
                continue
            for match in pattern.findall(text) + raw_pattern.findall(text):
                checked += 1
                repository = match.rsplit("/", 1)[-1].removesuffix(".git")
                if repository != project_url.rsplit("/", 1)[-1]:
                    wrong.append("%s: %s" % (os.path.relpath(path, source_root), match))
    tap.check(checked > 0 and not wrong,
              "every link to the project is %s (%d found)" % (project_url, checked),
              "\n".join(wrong))


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    metainfo, desktop, app_id, project_url, version, source_root = sys.argv[1:]
    tap = Tap()

    tap.check(url_of_app_id(app_id) == project_url,
              "the application ID names the project's repository",
              "%s names %s, not %s" % (app_id, url_of_app_id(app_id), project_url))
    check_desktop(tap, desktop)
    check_metainfo(tap, metainfo, app_id, project_url, version, source_root)
    check_links_everywhere(tap, source_root, project_url)
    return tap.finish()


if __name__ == "__main__":
    sys.exit(main())
