# Shared by build-aux/run and build-aux/test: the Debian packages this
# project needs, and a build directory kept up to date.

QR_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
QR_BUILD_DIR=${QR_BUILD_DIR:-$QR_SOURCE_DIR/_build}

# To build and run.
QR_BUILD_PACKAGES="meson ninja-build pkg-config gcc libc6-dev gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libarchive-dev
  libssl-dev libxml2-dev desktop-file-utils shared-mime-info
  adwaita-icon-theme fonts-cantarell udisks2 dbus xdg-utils"

# To make real backups and check everything in the test suites.
QR_TEST_PACKAGES="python3 scrypt tar gzip bzip2 xz-utils lzma zstd e2fsprogs
  gdisk xvfb xauth xfonts-base appstream libxml2-utils dbus-x11 udev time"

qr_install_packages ()
{
  local missing=()
  local package

  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done

  [ ${#missing[@]} -eq 0 ] && return 0

  echo "Installing: ${missing[*]}"
  local sudo=
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

qr_build ()
{
  if [ ! -f "$QR_BUILD_DIR/build.ninja" ]; then
    meson setup "$QR_BUILD_DIR" "$QR_SOURCE_DIR" "$@"
  fi
  ninja -C "$QR_BUILD_DIR"
}
