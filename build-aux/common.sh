# Shared by build-aux/run and build-aux/test: what this project needs, how
# to tell whether it is there, the package that brings it on each kind of
# distribution, and a build directory kept up to date.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

QR_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QR_BUILD_DIR=${QR_BUILD_DIR:-$QR_SOURCE_DIR/_build}

# One requirement a line: how to find it, then its package for apt, dnf,
# pacman and zypper ("-" where the distribution needs none). A check is
#   prog:NAME        a program on PATH
#   pc:MODULE        a pkg-config module (with ">= VERSION" as meson asks)
#   py:MODULE        a Python module
#   file:PATH[|PATH] one of these files
#   font:FAMILY      a font family fontconfig knows
# Only what is missing is installed; when nothing is, nothing is run.
QR_BUILD_REQUIREMENTS='
prog:meson                  meson              meson                  meson            meson
prog:ninja                  ninja-build        ninja-build            ninja            ninja
prog:pkg-config             pkg-config         pkgconf-pkg-config     pkgconf          pkgconf-pkg-config
prog:cc                     gcc                gcc                    gcc              gcc
file:/usr/include/stdio.h   libc6-dev          glibc-devel            glibc            glibc-devel
prog:msgfmt                 gettext            gettext                gettext          gettext-tools
prog:glib-compile-schemas   libglib2.0-bin     glib2                  glib2            glib2-tools
pc:glib-2.0>=2.74           libglib2.0-dev     glib2-devel            glib2            glib2-devel
pc:gio-2.0>=2.74            libglib2.0-dev     glib2-devel            glib2            glib2-devel
pc:gio-unix-2.0>=2.74       libglib2.0-dev     glib2-devel            glib2            glib2-devel
pc:gtk4>=4.8                libgtk-4-dev       gtk4-devel             gtk4             gtk4-devel
pc:libadwaita-1>=1.2        libadwaita-1-dev   libadwaita-devel       libadwaita       libadwaita-devel
pc:libarchive>=3.6          libarchive-dev     libarchive-devel       libarchive       libarchive-devel
pc:libcrypto>=3.0           libssl-dev         openssl-devel          openssl          libopenssl-devel
pc:libxml-2.0>=2.9          libxml2-dev        libxml2-devel          libxml2          libxml2-devel
pc:json-glib-1.0>=1.6       libjson-glib-dev   json-glib-devel        json-glib        json-glib-devel
pc:ext2fs>=1.47             libext2fs-dev      e2fsprogs-devel        e2fsprogs        libext2fs-devel
pc:com_err                  comerr-dev         libcom_err-devel       e2fsprogs        libcom_err-devel
pc:blkid>=2.38              libblkid-dev       libblkid-devel         util-linux-libs  libblkid-devel
prog:scdoc                  scdoc              scdoc                  scdoc            scdoc
prog:desktop-file-validate  desktop-file-utils desktop-file-utils     desktop-file-utils desktop-file-utils
prog:update-mime-database   shared-mime-info   shared-mime-info       shared-mime-info shared-mime-info
prog:dbus-daemon            dbus               dbus-daemon            dbus             dbus-1
prog:xdg-open               xdg-utils          xdg-utils              xdg-utils        xdg-utils
file:/usr/libexec/udisks2/udisksd|/usr/lib/udisks2/udisksd  udisks2  udisks2  udisks2  udisks2
file:/usr/share/icons/Adwaita/index.theme  adwaita-icon-theme  adwaita-icon-theme  adwaita-icon-theme  adwaita-icon-theme
font:Cantarell              fonts-cantarell    abattis-cantarell-fonts cantarell-fonts cantarell-fonts
'

# To make real backups and check everything in the test suites.
QR_TEST_REQUIREMENTS='
prog:python3                python3            python3                python           python3
py:jsonschema               python3-jsonschema python3-jsonschema     python-jsonschema python3-jsonschema
prog:scrypt                 scrypt             scrypt                 scrypt           scrypt
prog:tar                    tar                tar                    tar              tar
prog:gzip                   gzip               gzip                   gzip             gzip
prog:bzip2                  bzip2              bzip2                  bzip2            bzip2
prog:xz                     xz-utils           xz                     xz               xz
prog:lzma                   lzma               xz-lzma-compat         xz               xz
prog:zstd                   zstd               zstd                   zstd             zstd
prog:lz4                    lz4                lz4                    lz4              lz4
prog:lzip                   lzip               lzip                   lzip             lzip
prog:compress               ncompress          ncompress              ncompress        ncompress
prog:lzop                   lzop               lzop                   lzop             lzop
prog:mkfs.ext4              e2fsprogs          e2fsprogs              e2fsprogs        e2fsprogs
prog:sgdisk                 gdisk              gdisk                  gptfdisk         gptfdisk
prog:xvfb-run               xvfb               xorg-x11-server-Xvfb   xorg-server-xvfb xvfb-run
prog:xauth                  xauth              xorg-x11-xauth         xorg-xauth       xauth
prog:xdotool                xdotool            xdotool                xdotool          xdotool
file:/usr/share/fonts/X11/misc/fonts.dir|/usr/share/X11/fonts/misc/fonts.dir|/usr/share/fonts/misc/fonts.dir  xfonts-base  -  -  -
prog:appstreamcli           appstream          appstream              appstream        AppStream
prog:xmllint                libxml2-utils      libxml2                libxml2          libxml2-tools
prog:dbus-launch            dbus-x11           dbus-x11               dbus             dbus-1-x11
prog:udevadm                udev               systemd-udev           systemd          udev
prog:gio                    libglib2.0-bin     glib2                  glib2            glib2-tools
file:/usr/bin/time          time               time                   time             time
prog:zsh                    zsh                zsh                    zsh              zsh
prog:fish                   fish               fish                   fish             fish
py:pyatspi                 python3-pyatspi    python3-pyatspi        python-atspi     python3-pyatspi
file:/usr/libexec/at-spi-bus-launcher|/usr/lib/at-spi-bus-launcher|/usr/lib/at-spi2-core/at-spi-bus-launcher  at-spi2-core  at-spi2-core  at-spi2-core  at-spi2-core
'

# To build and run the fuzz targets (build-aux/fuzz): clang with libFuzzer,
# llvm-symbolizer for readable stacks, openssl for the seeds' cheap keys.
QR_FUZZ_REQUIREMENTS='
prog:clang-14               clang-14           clang                  clang            clang
file:/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a|/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a|/usr/lib64/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a  libclang-rt-14-dev  compiler-rt  compiler-rt  compiler-rt
prog:llvm-symbolizer-14     llvm-14            llvm                   llvm             llvm
prog:openssl                openssl            openssl                openssl          openssl
'

# apt, dnf, pacman or zypper, whichever this system has; QR_PACKAGE_MANAGER
# chooses one by hand.
qr_package_manager ()
{
  local manager

  if [ -n "${QR_PACKAGE_MANAGER:-}" ]; then
    echo "$QR_PACKAGE_MANAGER"
    return
  fi
  for manager in apt-get dnf pacman zypper; do
    if command -v "$manager" >/dev/null 2>&1; then
      echo "${manager%-get}"
      return
    fi
  done
}

# Whether one check is met.
qr_check ()
{
  local check=$1 path

  case $check in
    prog:*)
      command -v "${check#prog:}" >/dev/null 2>&1
      ;;
    pc:*)
      check=${check#pc:}
      command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "${check/>=/ >= }"
      ;;
    font:*)
      [ -n "$(fc-list "${check#font:}" family 2>/dev/null)" ]
      ;;
    py:*)
      # The system's Python too: the accessibility test falls back to it
      # when the first python3 on PATH is a private one.
      python3 -c "import ${check#py:}" 2>/dev/null \
        || /usr/bin/python3 -c "import ${check#py:}" 2>/dev/null
      ;;
    file:*)
      local IFS='|'
      for path in ${check#file:}; do
        [ -e "$path" ] && return 0
      done
      return 1
      ;;
    *)
      echo "build-aux: unknown check $check" >&2
      return 1
      ;;
  esac
}

# Prints "CHECK PACKAGE" for each requirement of the lists named ("build",
# "test") that is missing here, PACKAGE for the package manager @1.
qr_missing ()
{
  local manager=$1 column check apt dnf pacman zypper package list
  shift

  case $manager in
    apt) column=1 ;;
    dnf) column=2 ;;
    pacman) column=3 ;;
    zypper) column=4 ;;
    *) column=0 ;;
  esac

  for list in "$@"; do
    case $list in
      build) list=$QR_BUILD_REQUIREMENTS ;;
      test) list=$QR_TEST_REQUIREMENTS ;;
      fuzz) list=$QR_FUZZ_REQUIREMENTS ;;
    esac
    while read -r check apt dnf pacman zypper; do
      [ -n "$check" ] || continue
      qr_check "$check" && continue
      case $column in
        1) package=$apt ;;
        2) package=$dnf ;;
        3) package=$pacman ;;
        4) package=$zypper ;;
        *) package=? ;;
      esac
      echo "$check $package"
    done <<< "$list"
  done
}

# Installs what the lists named ("build", "test") need and this system
# lacks. Nothing is run when nothing is missing, so no sudo either. With
# QR_NO_INSTALL=1 (--no-install), says what is missing and goes on.
qr_install_requirements ()
{
  local manager missing check package packages=() wanted=() sudo=

  manager=$(qr_package_manager)
  missing=$(qr_missing "$manager" "$@")
  [ -n "$missing" ] || return 0

  while read -r check package; do
    wanted+=("${check#*:}")
    if [ "$package" != "-" ] && [[ " ${packages[*]} " != *" $package "* ]]; then
      packages+=("$package")
    fi
  done <<< "$missing"

  if [ "${QR_NO_INSTALL:-0}" = 1 ]; then
    echo "build-aux: not installing, as asked; missing: ${wanted[*]}" >&2
    return 0
  fi

  if [ -z "$manager" ]; then
    echo "build-aux: these are missing: ${wanted[*]}" >&2
    echo "build-aux: no apt, dnf, pacman or zypper here to install them; install them" >&2
    echo "build-aux: with this system's tools, or run again with --no-install to try anyway." >&2
    return 1
  fi

  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "build-aux: missing: ${wanted[*]}" >&2
      echo "build-aux: as root, run:" >&2
      echo "  $(qr_install_command "$manager" "${packages[@]}")" >&2
      return 1
    fi
    sudo=sudo
  fi

  echo "build-aux: installing ${packages[*]} (for ${wanted[*]})" >&2
  case $manager in
    apt)
      $sudo apt-get update -q &&
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
          "${packages[@]}"
      ;;
    dnf)
      $sudo dnf install -y "${packages[@]}"
      ;;
    pacman)
      $sudo pacman -S --needed --noconfirm "${packages[@]}"
      ;;
    zypper)
      $sudo zypper --non-interactive install "${packages[@]}"
      ;;
  esac
}

# The command that installs @2... with package manager @1, for people.
qr_install_command ()
{
  local manager=$1
  shift

  case $manager in
    apt) echo "apt-get install $*" ;;
    dnf) echo "dnf install $*" ;;
    pacman) echo "pacman -S --needed $*" ;;
    zypper) echo "zypper install $*" ;;
  esac
}

qr_build ()
{
  if [ ! -f "$QR_BUILD_DIR/build.ninja" ]; then
    meson setup "$QR_BUILD_DIR" "$QR_SOURCE_DIR" "$@"
  fi
  ninja -C "$QR_BUILD_DIR"
}
