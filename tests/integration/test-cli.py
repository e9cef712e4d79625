#!/usr/bin/env python3
# The command line's conventions, through qubes-rescue-cli itself: help and
# version, usage errors and their exit codes, named files that cannot be
# used, every passphrase source, the terminal (in a real pseudo-terminal),
# ASCII output in the C locale, and the JSON documents.
#
# Copyright 2026 The qubes-rescue authors
# SPDX-License-Identifier: GPL-3.0-or-later

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import qrtest
from qrtest import cli

ws = qrtest.Workspace()

USAGE, WRONG_PASSPHRASE, DAMAGED = 1, 2, 3
GUI = os.environ.get('QR_GUI')


def small():
    return ws.backup('small', preset='small')


def slow():
    """Slow enough keys that progress is shown and a prompt can be met."""
    return ws.backup('slow', '--logN', '14', preset='small')


def damaged():
    return ws.backup('damaged', '--corrupt-member', 'vm12/private.img.002.enc',
                     '--corrupt-offset', '30000', preset='small')


def write(name, data):
    path = ws.path(name)
    with open(path, 'wb') as f:
        f.write(data)
    return path


def assert_usage_error(result, *words):
    assert result.returncode == USAGE, (result.returncode, result.stderr)
    for word in words:
        assert word in result.stderr, (word, result.stderr)
    assert 'passphrase is not correct' not in result.stderr, result.stderr


# ---- help, version, usage ----

def test_version():
    result = cli('--version')
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r'qubes-rescue-cli \d+\.\d+\.\d+\n', result.stdout), result.stdout
    if GUI is None:
        return
    env = dict(os.environ)
    env.pop('DISPLAY', None)
    env.pop('WAYLAND_DISPLAY', None)
    gui = subprocess.run([GUI, '--version'], capture_output=True, text=True, env=env,
                         timeout=60)
    assert gui.returncode == 0, gui.stderr
    assert gui.stdout == result.stdout.replace('qubes-rescue-cli', 'qubes-rescue'), gui.stdout


def test_help_command():
    for command, option in [('info', '--json'), ('verify', '--jobs'),
                            ('restore', '--dest'), ('mount', '--read-write')]:
        result = cli('help', command)
        assert result.returncode == 0, result.stderr
        assert option in result.stdout, (command, result.stdout)
        assert cli(command, '--help').stdout == result.stdout
    general = cli('help')
    assert general.returncode == 0 and 'Exit status' in general.stdout, general
    assert cli('--help').stdout == general.stdout


def test_usage_errors():
    backup, _ = small()
    assert_usage_error(cli(), 'Usage')
    assert_usage_error(cli('help', 'frobnicate'), 'frobnicate')
    assert_usage_error(cli('frobnicate'), 'frobnicate', '--help')
    assert_usage_error(cli('info'), 'backup file', 'help info')
    assert_usage_error(cli('restore', backup), '--dest', 'help restore')
    assert_usage_error(cli('verify', backup, '--jobs', '-2'), '--jobs')
    assert_usage_error(cli('verify', backup, '--max-memory', 'lots'), '--max-memory')
    assert_usage_error(cli('verify', backup, '--max-kdf-time', '0'), '--max-kdf-time')
    assert_usage_error(cli('info', backup, '--max-kdf-time', 'nan'), '--max-kdf-time')
    assert_usage_error(cli('info', backup, '--no-such-option'), '--no-such-option')
    assert_usage_error(cli('info', backup, '--passphrase-fd', '-3'), '--passphrase-fd')
    assert_usage_error(cli('info', backup, '--passphrase-fd', '0',
                           '--passphrase-file', ws.passphrase_file), 'not both')


# ---- named files ----

def test_backup_that_cannot_be_opened():
    missing = ws.path('no-such-backup')
    assert_usage_error(cli('info', missing, '--passphrase-file', ws.passphrase_file), missing)
    assert_usage_error(cli('verify', ws.root, '--passphrase-file', ws.passphrase_file),
                       ws.root, 'folder')
    if os.geteuid() != 0:
        locked = write('locked-backup', b'x')
        os.chmod(locked, 0)
        assert_usage_error(cli('info', locked), locked, 'ermission')


def test_passphrase_file_problems():
    """Issue of every kind with the passphrase file is a usage error that
    names the file, never a wrong passphrase or a silently cut one."""
    backup, _ = small()
    folder = ws.path('a-folder')
    os.mkdir(folder)
    nul = write('with-nul', qrtest.PASSPHRASE.encode() + b'\0rest\n')
    large = write('too-large', b'a' * 4097)
    for path, words in [(ws.path('missing-file'), ['missing-file', 'No such file']),
                        (folder, ['a-folder', 'directory']),
                        (nul, ['with-nul', 'NUL']),
                        (large, ['too-large', '4096'])]:
        for command in ('info', 'verify'):
            assert_usage_error(cli(command, backup, '--passphrase-file', path), *words)
    # The limit itself is allowed: a passphrase of 4096 bytes is merely wrong.
    longest = write('longest', b'a' * 4096)
    result = cli('info', backup, '--passphrase-file', longest)
    assert result.returncode == WRONG_PASSPHRASE, result.stderr


# ---- passphrase sources ----

def test_passphrase_fd():
    backup, manifest = small()
    dest = ws.path('from-fd')
    with open(ws.passphrase_file, 'rb') as f:
        result = subprocess.run([qrtest.CLI, 'restore', backup, '--dest', dest,
                                 '--passphrase-fd', str(f.fileno())],
                                pass_fds=[f.fileno()], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for qube in qrtest.included_qubes(manifest):
        qrtest.check_qube(dest, qube, manifest)
    result = cli('info', backup, '--passphrase-fd', '9')
    assert_usage_error(result, 'file descriptor 9', 'Bad file descriptor')


def test_passphrase_environment():
    backup, _ = small()
    wrong = write('wrong-passphrase', b'not it\n')
    env = dict(os.environ, QUBES_RESCUE_PASSPHRASE_FILE=ws.passphrase_file)
    result = subprocess.run([qrtest.CLI, 'info', backup, '--json'], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['unlocked'] is True
    # An option given on the command line wins over the environment.
    env['QUBES_RESCUE_PASSPHRASE_FILE'] = wrong
    result = subprocess.run([qrtest.CLI, 'info', backup, '--json',
                             '--passphrase-file', ws.passphrase_file], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([qrtest.CLI, 'info', backup], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert result.returncode == WRONG_PASSPHRASE, result.stderr
    env['QUBES_RESCUE_PASSPHRASE_FILE'] = ws.path('missing-env-file')
    result = subprocess.run([qrtest.CLI, 'info', backup], env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert_usage_error(result, 'missing-env-file')


def test_pipe_needs_another_passphrase_source():
    """A backup on standard input leaves no room for the passphrase there."""
    backup, _ = small()
    for extra in ([], ['--passphrase-fd', '0']):
        for command in (['info'], ['verify'], ['restore', '--dest', ws.path('never')]):
            with open(backup, 'rb') as stdin:
                result = cli(*command, '/dev/stdin', *extra, stdin=stdin)
            assert_usage_error(result, 'standard input', '--passphrase-file')
    assert not os.path.exists(ws.path('never'))
    with open(backup, 'rb') as stdin:
        result = cli('info', '/dev/stdin', '--json', '--passphrase-file', ws.passphrase_file,
                     stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)['unlocked'] is True


# ---- the terminal ----

class Terminal:
    """The CLI in a pseudo-terminal that is its controlling terminal."""

    def __init__(self, args, columns=80, stdin_tty=True, stdin=None, env=None):
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack('HHHH', 24, columns, 0, 0))
        self.output = b''
        self.process = subprocess.Popen(
            [qrtest.CLI, *args], stdin=self.slave if stdin_tty else stdin,
            stdout=self.slave, stderr=self.slave, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(self.slave, termios.TIOCSCTTY, 0),
            env=env)

    def read_until(self, pattern, timeout=120):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.output):
            left = deadline - time.monotonic()
            assert left > 0, f'{pattern!r} not seen in {self.output!r}'
            ready, _, _ = select.select([self.master], [], [], min(left, 0.2))
            if ready:
                self.output += os.read(self.master, 65536)
            elif self.process.poll() is not None:
                assert re.search(pattern, self.output), f'ended without {pattern!r}: {self.output!r}'

    def finish(self, timeout=300):
        deadline = time.monotonic() + timeout
        while self.process.poll() is None or select.select([self.master], [], [], 0)[0]:
            assert time.monotonic() < deadline, 'the program did not end'
            if select.select([self.master], [], [], 0.1)[0]:
                self.output += os.read(self.master, 65536)
        return self.process.returncode

    def echo(self):
        return bool(termios.tcgetattr(self.slave)[3] & termios.ECHO)

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)
        os.close(self.slave)


def interrupted_at_prompt(keys, sig):
    def test():
        backup, _ = small()
        term = Terminal(['info', backup])
        try:
            assert term.echo()
            term.read_until(rb'Passphrase')
            term.read_until(rb': $')
            assert not term.echo(), 'echo is on at the prompt'
            if keys:
                os.write(term.master, keys)
            else:
                term.process.send_signal(sig)
            code = term.finish()
            assert code == -sig, (code, term.output)
            assert term.echo(), 'the terminal was left without echo'
        finally:
            term.close()
    return test


def test_typed_after_prompt_is_hidden_and_kept():
    backup, _ = small()
    term = Terminal(['info', backup])
    try:
        term.read_until(rb'Passphrase.*: $')
        os.write(term.master, qrtest.PASSPHRASE.encode() + b'\r')
        code = term.finish()
        assert code == 0, term.output
        assert qrtest.PASSPHRASE.encode() not in term.output, term.output
        assert b'work' in term.output, term.output
        assert term.echo()
    finally:
        term.close()


def cells(text):
    """The terminal cells a piece of output takes (our texts are narrow)."""
    return len(re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', text))


def progress_fits(columns, from_pipe):
    def test():
        backup, _ = slow()
        dest = ws.path(f'narrow-{columns}-{from_pipe}')
        source = '/dev/stdin' if from_pipe else backup
        with open(backup, 'rb') as stdin:
            term = Terminal(['restore', source, '--dest', dest,
                             '--passphrase-file', ws.passphrase_file],
                            columns=columns, stdin_tty=False, stdin=stdin)
            try:
                code = term.finish()
            finally:
                term.close()
        # The terminal turns each newline into CR LF.
        text = term.output.decode().replace('\r\n', '\n')
        assert code == 0, text
        # What is rewritten in place ends in a carriage return; lines of
        # results end in a newline and may wrap like any other.
        rewritten = re.findall(r'([^\r\n]*)\r', text)
        progress = [p for p in rewritten if ('%' in p or ' read' in p) and p.strip()]
        assert progress, f'no progress line seen: {text!r}'
        for piece in rewritten:
            assert cells(piece) < columns, f'{piece!r} is wider than {columns - 1}'
        if from_pipe:
            assert not re.search(r'\d{4,} ?h', text), text
        assert re.search(r'work: restored to .*work', text), text
    return test


# ---- remedies ----

def test_udisks_unreachable():
    """The remedy fits every distribution: no apt command."""
    image = write('plain.img', b'\0' * 65536)
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS='unix:path=' + ws.path('no-bus'))
    result = subprocess.run([qrtest.CLI, 'mount', image], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert 'udisks' in result.stderr, result.stderr
    for command in ('apt', 'dnf', 'pacman', 'zypper', 'sudo'):
        assert not re.search(r'\b%s\b' % command, result.stderr), result.stderr


# ---- the C locale ----

def test_c_locale_is_ascii():
    backup, _ = small()
    env = dict(os.environ, LC_ALL='C', LANGUAGE='')
    runs = [
        ['info', backup, '--passphrase-file', ws.passphrase_file],
        ['restore', backup, '--dest', ws.path('c-locale'), '--passphrase-file',
         ws.passphrase_file],
        ['info', ws.path('no-such-file')],
        ['--help'],
    ]
    for args in runs:
        result = subprocess.run([qrtest.CLI, *args], env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, timeout=600)
        for name, stream in (('stdout', result.stdout), ('stderr', result.stderr)):
            assert all(b < 0x80 for b in stream), (args, name, stream)
            assert b'?' not in stream.replace(b'\n', b' '), (args, name, stream)
    result = subprocess.run([qrtest.CLI, *runs[0]], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    assert re.search(r'Size: +\d+(\.\d)? [kMG]B\n', result.stdout), result.stdout
    result = subprocess.run([qrtest.CLI, *runs[2]], env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    assert '"' + ws.path('no-such-file') + '"' in result.stderr, result.stderr


# ---- JSON ----

INFO_TYPES = {'schema': int, 'version': int, 'backup_id': str, 'encrypted': bool,
              'integrity_check': bool, 'compressed': bool,
              'compression_filter': (str, type(None)), 'size': int, 'unlocked': bool,
              'damage': list, 'qubes': list}
QUBE_TYPES = {'name': str, 'class': (str, type(None)), 'label': (str, type(None)),
              'template': (str, type(None)), 'backup_path': (str, type(None)),
              'size': int, 'included': bool, 'present': bool, 'problems': list}
ITEM_TYPES = {'name': str, 'state': str, 'error': (str, type(None)), 'exit_code': int,
              'folder': (str, type(None)), 'size': int, 'files': list, 'recovery': list,
              'notes': list}


def check_types(obj, types):
    assert set(obj) == set(types), (sorted(obj), sorted(types))
    for key, kind in types.items():
        assert isinstance(obj[key], kind), (key, obj[key])
        assert not (kind is int and isinstance(obj[key], bool)), (key, obj[key])


def test_info_json_schema():
    backup, manifest = ws.backup('full')
    for args, unlocked in ([('--passphrase-file', ws.passphrase_file), True], [(), False]):
        result = cli('info', backup, '--json', *args)
        assert result.returncode == 0, result.stderr
        info = json.loads(result.stdout)
        check_types(info, INFO_TYPES)
        assert info['schema'] == 1 and info['unlocked'] is unlocked
        assert len(info['qubes']) == (len(manifest['qubes']) if unlocked else 0)
        for qube in info['qubes']:
            check_types(qube, QUBE_TYPES)


def test_restore_json():
    backup, manifest = small()
    dest = ws.path('json-restore')
    result = cli('restore', backup, '--dest', dest, '--json',
                 '--passphrase-file', ws.passphrase_file)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    check_types(report, {'schema': int, 'operation': str, 'destination': str, 'qubes': list})
    assert report['schema'] == 1 and report['operation'] == 'restore'
    assert report['destination'] == dest
    work = [q for q in manifest['qubes'] if q['name'] == 'work'][0]
    [item] = report['qubes']
    check_types(item, ITEM_TYPES)
    assert item['name'] == 'work' and item['state'] == 'done', item
    assert item['error'] is None and item['exit_code'] == 0, item
    assert item['folder'] == os.path.join(dest, 'work'), item
    assert sorted(item['files']) == sorted(work['files']), item
    for name in item['files']:
        assert os.path.isfile(os.path.join(item['folder'], name)), name


def test_kdf_time_limit():
    """A key over the work limit is refused before any work, naming its
    parameters and the time it would take; a higher limit lets it through."""
    backup, _ = slow()
    start = time.monotonic()
    result = cli('info', backup, '--passphrase-file', ws.passphrase_file,
                 '--max-kdf-time', '0.0001')
    assert result.returncode == DAMAGED, result.stderr
    assert time.monotonic() - start < 5, 'the key was derived before it was refused'
    assert 'N = 2^14, r = 8, p = 1' in result.stderr, result.stderr
    assert 'per key' in result.stderr and '--max-kdf-time' in result.stderr, result.stderr
    result = cli('info', backup, '--passphrase-file', ws.passphrase_file,
                 '--max-kdf-time', '600')
    assert result.returncode == 0, result.stderr


def test_verify_json_damaged():
    backup, _ = damaged()
    result = cli('verify', backup, '--json', '--passphrase-file', ws.passphrase_file)
    assert result.returncode == DAMAGED, result.stderr
    report = json.loads(result.stdout)
    assert report['operation'] == 'verify' and report['destination'] is None, report
    [item] = report['qubes']
    check_types(item, ITEM_TYPES)
    assert item['state'] == 'failed' and item['exit_code'] == DAMAGED, item
    assert 'private.img' in item['error'], item
    assert item['folder'] is None and item['files'] == [], item
    # The sentence for people still goes to stderr.
    assert 'FAILED' in result.stderr and '1 of 1 qube failed' in result.stderr, result.stderr


tests = [
    ('--version, for both programs', test_version),
    ('help COMMAND is COMMAND --help', test_help_command),
    ('usage errors exit 1 and point to the help', test_usage_errors),
    ('a backup that cannot be opened is named, exit 1', test_backup_that_cannot_be_opened),
    ('passphrase file problems are usage errors naming the file',
     test_passphrase_file_problems),
    ('--passphrase-fd', test_passphrase_fd),
    ('QUBES_RESCUE_PASSPHRASE_FILE', test_passphrase_environment),
    ('a backup on standard input needs another passphrase source',
     test_pipe_needs_another_passphrase_source),
    ('Ctrl+C at the prompt gives the echo back', interrupted_at_prompt(b'\x03', signal.SIGINT)),
    ('SIGTERM at the prompt gives the echo back', interrupted_at_prompt(None, signal.SIGTERM)),
    ('typing after the prompt is hidden and kept', test_typed_after_prompt_is_hidden_and_kept),
    ('progress fits a narrow terminal', progress_fits(40, False)),
    ('progress from a pipe fits, with no time left', progress_fits(50, True)),
    ('udisks out of reach: a remedy for any distribution', test_udisks_unreachable),
    ('plain ASCII in the C locale', test_c_locale_is_ascii),
    ('info --json: schema 1 and its types', test_info_json_schema),
    ('restore --json', test_restore_json),
    ('verify --json of a damaged backup', test_verify_json_damaged),
    ('--max-kdf-time: a key over the limit is refused at once', test_kdf_time_limit),
]

try:
    sys.exit(qrtest.run_tests(tests))
finally:
    ws.cleanup()
