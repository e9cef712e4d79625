# fish completion for qubes-rescue-cli
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

set -l commands info verify restore mount unmount ls copy help
set -l backup_commands info verify restore

complete -c qubes-rescue-cli -f
complete -c qubes-rescue-cli -s h -l help -d 'Show the usage'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -l version -d 'Show the version'

complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a info -d 'Show what a backup holds'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a verify -d 'Check every part of a backup, writing nothing'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a restore -d 'Restore qubes from a backup into a folder'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a mount -d 'Mount a restored disk image read-only'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a unmount -d 'Unmount and detach a disk image'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a ls -d 'List a folder of a disk image without mounting it'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a copy -d 'Copy files out of a disk image without mounting it'
complete -c qubes-rescue-cli -n "not __fish_seen_subcommand_from $commands" -a help -d 'Show the usage of a command'

# The backup or the image; qube names need the passphrase, so none.
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from $backup_commands mount unmount ls copy" -F
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from help" -a "info verify restore mount unmount ls copy"

complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from $backup_commands" -l passphrase-file -r -F -d 'Read the passphrase from FILE'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from $backup_commands" -l passphrase-fd -x -d 'Read the passphrase from file descriptor N'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from $backup_commands" -l json -d 'Print the result as JSON'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from restore" -l salvage -d 'Of a damaged qube, restore what can be verified'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from restore" -s d -l dest -x -a '(__fish_complete_directories)' -d 'Restore into the folder DIR'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from info verify restore" -s j -l jobs -x -d 'Derive at most N keys at once'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from info verify restore" -l max-memory -x -d 'Use at most SIZE of memory for keys'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from info verify restore" -l max-kdf-time -x -d 'Refuse keys that take more than SECONDS each'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from mount" -l read-write -d 'Mount the image writable'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from ls" -l json -d 'Print the list as JSON'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from copy" -l to -x -a '(__fish_complete_directories)' -d 'Copy into the folder DIR'
complete -c qubes-rescue-cli -n "__fish_seen_subcommand_from copy" -l damaged -d 'Also copy damaged files, marked in their names'
