# bash completion for qubes-rescue-cli
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

_qubes_rescue_cli ()
{
  local cur=${COMP_WORDS[COMP_CWORD]}
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  local commands="info verify restore mount unmount ls copy help"
  local options

  if [ "$COMP_CWORD" -eq 1 ]; then
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
    return
  fi

  case $prev in
    --passphrase-file)
      compopt -o filenames
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    -d|--dest|--to)
      compopt -o filenames
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --passphrase-fd|-j|--jobs|--max-memory|--max-kdf-time)
      # A number or a size: nothing to offer.
      COMPREPLY=()
      return
      ;;
  esac

  case ${COMP_WORDS[1]} in
    info)
      options="--passphrase-file --passphrase-fd --jobs --max-memory --max-kdf-time --json --help"
      ;;
    verify)
      options="--passphrase-file --passphrase-fd --jobs --max-memory --max-kdf-time --json --help"
      ;;
    restore)
      options="--dest --salvage --passphrase-file --passphrase-fd --jobs --max-memory --max-kdf-time --json --help"
      ;;
    mount)
      options="--read-write --help"
      ;;
    unmount)
      options="--help"
      ;;
    ls)
      options="--json --help"
      ;;
    copy)
      options="--to --damaged --help"
      ;;
    help)
      if [ "$COMP_CWORD" -eq 2 ]; then
        mapfile -t COMPREPLY < <(compgen -W "${commands% help}" -- "$cur")
      fi
      return
      ;;
    *)
      return
      ;;
  esac

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  else
    # The backup or the image; qube names need the passphrase, so none.
    compopt -o filenames
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}

complete -F _qubes_rescue_cli qubes-rescue-cli
