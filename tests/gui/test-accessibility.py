#!/usr/bin/env python3
# test-accessibility.py
#
# Copyright 2026 The qubes-rescue authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

"""Walk the wizard as a screen reader does, through AT-SPI.

The real program runs with its accessibility bridge on, in a session of
its own: a private session bus, the AT-SPI bus and registry, an X display
(the gui suite runs under xvfb-run). The test types with synthesized key
presses and activates buttons through their AT-SPI actions, as a screen
reader user does, and on every page checks:

- every element a user can reach has a role and a name, and the name is
  neither empty, nor a type name, nor doubled ("work work"), nor carrying
  an access key's underscore;
- after each change of page the focus is on an element with a name;
- errors are announced: the focus moves to the error, or the focused
  entry's description changes to it (GTK 4.8 has no other way to make a
  screen reader speak).

Usage: test-accessibility.py PROGRAM GENERATOR
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SESSION_MARK = 'QR_A11Y_SESSION'
KEY_RETURN = 0xff0d
KEY_TAB = 0xff09
KEY_F1 = 0xffbe
KEY_ESCAPE = 0xff1b
PASSPHRASE = 'correct horse battery'

# Roles whose objects are what a person reaches and acts on.
INTERACTIVE_ROLES = {
    'push button', 'toggle button', 'check box', 'radio button', 'menu item',
    'check menu item', 'radio menu item', 'entry', 'password text', 'text',
    'link', 'combo box', 'list item', 'spin button', 'slider', 'heading',
    'alert', 'toggle button',
}

# Containers GTK marks focusable although the focus passes through them to
# what they hold.
PASS_THROUGH_ROLES = {'scroll pane', 'list', 'panel', 'filler', 'viewport'}

tap_count = 0
failures = 0


def tap(ok, description, diagnostics=''):
    global tap_count, failures
    tap_count += 1
    if not ok:
        failures += 1
    print('{} {} - {}'.format('ok' if ok else 'not ok', tap_count, description), flush=True)
    if not ok and diagnostics:
        for line in str(diagnostics).splitlines():
            print('# ' + line, flush=True)


def skip_all(reason):
    print('1..0 # SKIP ' + reason, flush=True)
    sys.exit(0)


def find_program(*candidates):
    for candidate in candidates:
        path = shutil.which(candidate) or (candidate if os.access(candidate, os.X_OK) else None)
        if path:
            return path
    return None


def enter_session():
    """Runs this script again inside a private session bus."""
    dbus_run_session = find_program('dbus-run-session')
    if dbus_run_session is None:
        skip_all('dbus-run-session is not installed')
    # libatspi in this script warns about objects that went away while it
    # looked at them; only the program's warnings must be fatal.
    env = dict(os.environ, **{SESSION_MARK: os.environ.get('G_DEBUG', '')})
    env.pop('G_DEBUG', None)
    for name in ('GTK_A11Y', 'NO_AT_BRIDGE', 'DBUS_SESSION_BUS_ADDRESS', 'AT_SPI_BUS_ADDRESS'):
        env.pop(name, None)
    result = subprocess.run([dbus_run_session, '--', sys.executable] + sys.argv, env=env)
    sys.exit(result.returncode)


def start_accessibility_bus():
    """Starts the AT-SPI bus launcher on the private session bus; it
    starts the registry when asked for it."""
    launcher = find_program('/usr/libexec/at-spi-bus-launcher',
                            '/usr/lib/at-spi2-core/at-spi-bus-launcher',
                            'at-spi-bus-launcher')
    if launcher is None:
        skip_all('at-spi-bus-launcher is not installed (at-spi2-core)')
    process = subprocess.Popen([launcher, '--launch-immediately'],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        owner = subprocess.run(['dbus-send', '--session', '--print-reply',
                                '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus',
                                'org.freedesktop.DBus.NameHasOwner', 'string:org.a11y.Bus'],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if 'boolean true' in owner.stdout:
            return process
        time.sleep(0.05)
    skip_all('the AT-SPI bus did not start')


class Wizard:
    """The running program, seen through AT-SPI."""

    def __init__(self, program, home, env):
        self.program = program
        self.env = env
        self.events = []
        self.process = subprocess.Popen([program], env=env, cwd=home)
        for kind in ('object:state-changed:focused',
                     'object:property-change:accessible-description'):
            pyatspi.Registry.registerEventListener(self._on_event, kind)
        self.app = self.wait_for(self._find_app, 'the program on the AT-SPI bus')

    def _on_event(self, event):
        try:
            self.events.append((event.type, event.source.getRoleName(), event.source.name,
                                event.source.description, event.detail1, event.any_data))
        except Exception:  # an object gone by now
            pass

    def _find_app(self):
        desktop = pyatspi.Registry.getDesktop(0)
        for i in range(desktop.childCount):
            app = desktop.getChildAtIndex(i)
            if app is not None and app.name == 'qubes-rescue':
                return app
        return None

    def wait_for(self, predicate, what, timeout=120):
        context = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('The program ended with status {}'.format(self.process.returncode))
            value = predicate()
            if value:
                return value
            while context.pending():
                context.iteration(False)
            time.sleep(0.02)
        raise TimeoutError('Timed out waiting for ' + what)

    def open(self, path):
        """Opens a file as the file manager does: a second start of the
        program hands it to the running one."""
        subprocess.run([self.program, path], env=self.env, check=True, timeout=60)

    def frame(self, name=None):
        """The wizard's window, or the window called @name."""
        for i in range(self.app.childCount):
            child = self.app.getChildAtIndex(i)
            # GTK 4.8 gives an AdwWindow, like the help, the role "filler".
            if child is None or child.getRoleName() not in ('frame', 'dialog', 'window', 'filler'):
                continue
            if (name is None and child.name != 'Help') or child.name == name:
                return child
        return None

    def focused(self):
        found = []

        def visit(obj):
            if obj is None or found:
                return
            if obj.getState().contains(pyatspi.STATE_FOCUSED):
                found.append(obj)
                return
            for i in range(obj.childCount):
                visit(obj.getChildAtIndex(i))

        visit(self.frame())
        return found[0] if found else None

    def page_of(self, obj):
        """The wizard page an object is on: an ancestor named after a page type."""
        while obj is not None:
            if obj.name.startswith('QrPage'):
                return obj
            obj = obj.parent
        return None

    def find(self, root, role, name=None):
        if root is None:
            return None
        if root.getRoleName() == role and (name is None or root.name == name):
            return root
        for i in range(root.childCount):
            found = self.find(root.getChildAtIndex(i), role, name)
            if found is not None:
                return found
        return None

    def header_bar(self):
        back = self.find(self.frame(), 'push button', 'Main Menu')
        return back.parent.parent if back is not None else None

    def click(self, root, name):
        button = self.wait_for(lambda: self._sensitive_button(root, name), 'button ' + name)
        action = button.queryAction()
        for i in range(action.nActions):
            if action.getName(i) in ('click', 'activate', 'press'):
                action.doAction(i)
                return
        action.doAction(0)

    def _sensitive_button(self, root, name):
        button = self.find(root, 'push button', name)
        if button is not None and button.getState().contains(pyatspi.STATE_SENSITIVE):
            return button
        return None

    def type_text(self, text):
        for char in text:
            pyatspi.Registry.generateKeyboardEvent(0, char, pyatspi.KEY_STRING)
            time.sleep(0.01)

    def press(self, keysym):
        pyatspi.Registry.generateKeyboardEvent(keysym, None, pyatspi.KEY_SYM)

    def quit(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


NAME_FROM_TYPE = re.compile(r'^(Gtk|Adw|Qr)[A-Z]\w+$')


def name_problem(name):
    if not name or not name.strip():
        return 'no name'
    if NAME_FROM_TYPE.match(name):
        return 'a type name for a name'
    if '_' in name and re.search(r'(^|\s)_\w|\w_\w', name):
        return 'an access key mark in the name'
    words = name.split()
    half = len(words) // 2
    if len(words) % 2 == 0 and half > 0 and words[:half] == words[half:]:
        return 'the name said twice'
    return None


def reachable(obj, hidden_pages, found):
    """Collects what a person can reach below obj, leaving out the pages
    that are not shown."""
    if obj is None or obj.name in hidden_pages:
        return
    state = obj.getState()
    role = obj.getRoleName()
    if state.contains(pyatspi.STATE_FOCUSABLE) and role not in PASS_THROUGH_ROLES:
        found.append(obj)
    elif role in INTERACTIVE_ROLES and state.contains(pyatspi.STATE_SENSITIVE):
        found.append(obj)
    for i in range(obj.childCount):
        reachable(obj.getChildAtIndex(i), hidden_pages, found)


PAGES = ['QrPageOpen', 'QrPageUnlock', 'QrPageChoose', 'QrPageRestore', 'QrPageDone']


def check_page(wizard, page_name, label, frame=None):
    """Every reachable element of the shown page and the header bar has a
    role and a good name."""
    hidden = [p for p in PAGES if p != page_name]
    found = []
    reachable(frame or wizard.frame(), hidden, found)
    problems = []
    for obj in found:
        role = obj.getRoleName()
        problem = name_problem(obj.name)
        if role in ('', 'unknown', 'invalid'):
            problem = 'no role'
        if problem:
            problems.append('{} {!r}: {}'.format(role, obj.name, problem))
    tap(found and not problems,
        '{}: {} reachable elements have a role and a good name'.format(label, len(found)),
        '\n'.join(problems))


def check_focus(wizard, page_name, label, role=None, name=None):
    """After a change of page the focus is on a named element of it."""
    def focus_on_page():
        obj = wizard.focused()
        if obj is None or not obj.name:
            return None
        page = wizard.page_of(obj)
        in_header = page is None
        if (page is not None and page.name == page_name) or in_header:
            if (role is None or obj.getRoleName() == role) and (name is None or obj.name == name):
                return obj
        return None

    try:
        obj = wizard.wait_for(focus_on_page, 'the focus on ' + page_name, timeout=30)
        tap(True, '{}: the focus is on {} “{}”'.format(label, obj.getRoleName(), obj.name))
    except TimeoutError:
        obj = wizard.focused()
        tap(False, '{}: the focus is on a named element of the page'.format(label),
            'focus: {}'.format('none' if obj is None else '{} {!r} on {}'.format(
                obj.getRoleName(), obj.name, wizard.page_of(obj) and wizard.page_of(obj).name)))


def announced(wizard, text, since):
    """Whether a screen reader was told @text: the focus went to an object
    named or described by it, or the focused object's description became it."""
    for kind, role, name, description, detail1, data in wizard.events[since:]:
        if kind == 'object:state-changed:focused' and detail1 and \
           (text in (name or '') or text in (description or '')):
            return True
        if kind == 'object:property-change:accessible-description' and text in str(data):
            focus = wizard.focused()
            if focus is not None and focus.name == name:
                return True
    return False


def main():
    program, generator = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if not os.environ.get('DISPLAY'):
        skip_all('No display: run the gui suite under xvfb-run')
    if os.environ.get(SESSION_MARK) is None:
        enter_session()

    bus = start_accessibility_bus()
    work = tempfile.mkdtemp(prefix='qr-a11y-')
    wizard = None
    try:
        home = os.path.join(work, 'home')
        os.mkdir(home)
        backup = os.path.join(work, 'qubes-backup-2024-05-01T120000')
        subprocess.run([sys.executable, generator, '--qubes', 'full', '--passphrase', PASSPHRASE,
                        '--chunk-size', '65536', backup],
                       check=True, stdout=subprocess.DEVNULL)
        not_backup = os.path.join(work, 'holiday-photos.zip')
        with open(not_backup, 'wb') as f:
            f.write(b'PK\x03\x04 not a Qubes backup')

        env = dict(os.environ, HOME=home, GTK_A11Y='atspi', GSETTINGS_BACKEND='memory',
                   G_DEBUG=os.environ[SESSION_MARK])
        env.pop('NO_AT_BRIDGE', None)
        try:
            wizard = Wizard(program, home, env)
            walk(wizard, backup, not_backup, home)
        except (TimeoutError, RuntimeError) as error:
            tap(False, 'the walk through the wizard went to its end', error)
    finally:
        if wizard is not None:
            wizard.quit()
        bus.terminate()
        shutil.rmtree(work, ignore_errors=True)

    print('1..{}'.format(tap_count), flush=True)
    return 1 if failures else 0


def walk(wizard, backup, not_backup, home):
    # Open: the program's one action has the focus.
    check_focus(wizard, 'QrPageOpen', 'open', 'push button', 'Choose Backup File…')
    check_page(wizard, 'QrPageOpen', 'open')

    # Not a backup: the error takes the focus, as an alert.
    since = len(wizard.events)
    wizard.open(not_backup)
    check_focus(wizard, 'QrPageOpen', 'open, not a backup', 'alert', 'This is not a Qubes backup')
    tap(announced(wizard, 'This is not a Qubes backup', since),
        'open: the error is announced')
    check_page(wizard, 'QrPageOpen', 'open, not a backup')

    # Unlock: straight into the entry, which says what to type.
    wizard.open(backup)
    check_focus(wizard, 'QrPageUnlock', 'unlock', 'password text', 'Backup passphrase')
    entry = wizard.focused()
    tap('Type the passphrase' in entry.description,
        'unlock: the entry is described by what the page says', entry.description)
    check_page(wizard, 'QrPageUnlock', 'unlock')

    # A wrong passphrase, typed and sent with the keyboard.
    since = len(wizard.events)
    wizard.type_text('not the passphrase')
    wizard.press(KEY_RETURN)
    wizard.wait_for(lambda: announced(wizard, 'That passphrase did not work', since),
                    'the wrong passphrase to be announced', timeout=60)
    tap(True, 'unlock: the wrong passphrase is announced')
    entry = wizard.focused()
    # GTK 4.8 gives its "invalid" state as AT-SPI's "invalid".
    tap(entry is not None and (entry.getState().contains(pyatspi.STATE_INVALID_ENTRY) or
                               entry.getState().contains(pyatspi.STATE_INVALID)),
        'unlock: the entry is marked invalid')
    relations = [r for r in entry.getRelationSet()
                 if r.getRelationType() == pyatspi.RELATION_DESCRIBED_BY]
    tap(relations and any(relations[0].getTarget(i).getRoleName() == 'alert'
                          for i in range(relations[0].getNTargets())),
        'unlock: the entry is described by the error')
    check_page(wizard, 'QrPageUnlock', 'unlock, wrong passphrase')

    # The right one: the whole text is selected after a failure, so typing
    # replaces it.
    wizard.type_text(PASSPHRASE)
    wizard.press(KEY_RETURN)
    check_focus(wizard, 'QrPageChoose', 'choose', 'heading', 'Choose What to Restore')
    heading = wizard.focused()
    tap('selected' in heading.description, 'choose: the heading says what the page is about',
        heading.description)
    check_page(wizard, 'QrPageChoose', 'choose')
    rows = []

    def collect(obj):
        if obj.getRoleName() == 'check box' and wizard.page_of(obj) is not None and \
           wizard.page_of(obj).name == 'QrPageChoose':
            rows.append(obj)
        for i in range(obj.childCount):
            collect(obj.getChildAtIndex(i))

    collect(wizard.frame())
    work_rows = [r for r in rows if r.name == 'work']
    tap(len(work_rows) == 1 and work_rows[0].getState().contains(pyatspi.STATE_FOCUSABLE) and
        work_rows[0].childCount > 0 and
        not any(r.getRoleName() == 'check box' for r in _descendants(work_rows[0])),
        'choose: a qube is one check box, once, read with its kind',
        [(r.name, r.description) for r in work_rows])
    tap(all(r.description for r in rows), 'choose: every qube says what it is',
        [(r.name, r.description) for r in rows if not r.description])

    # The keyboard goes through the page one stop per qube, never into a
    # qube's check box, and on to the folder and the buttons.
    stops = []
    for _ in range(12):
        before = wizard.focused()
        wizard.press(KEY_TAB)
        try:
            wizard.wait_for(lambda: wizard.focused() is not None and
                            (before is None or wizard.focused() != before), 'Tab', timeout=5)
        except TimeoutError:
            pass
        obj = wizard.focused()
        stops.append((obj.getRoleName(), obj.name) if obj is not None else None)
    choosable = {r.name for r in rows if r.getState().contains(pyatspi.STATE_SENSITIVE)}
    first_round = stops[:stops.index(('push button', 'Change…')) + 1] \
        if ('push button', 'Change…') in stops else stops
    qube_stops = [name for role, name in first_round if role == 'check box']
    tap(choosable and sorted(qube_stops) == sorted(choosable) and
        all(a != b for a, b in zip(stops, stops[1:])),
        'choose: Tab stops once at each qube that can be chosen and goes on to the folder',
        'choosable: {}\nstops: {}'.format(sorted(choosable), stops))

    # Restore: the heading takes the focus, then the result's. A small
    # backup is restored quickly, so the Restore page's focus is looked
    # for among the events.
    since = len(wizard.events)
    wizard.click(wizard.header_bar(), 'Restore')
    try:
        wizard.wait_for(lambda: any(kind == 'object:state-changed:focused' and detail1 and
                                    role == 'heading' and name == 'Restoring Your Qubes'
                                    for kind, role, name, _, detail1, _ in wizard.events[since:]),
                        'the focus on the Restore page', timeout=30)
        tap(True, 'restore: the focus is on heading “Restoring Your Qubes”')
    except TimeoutError:
        tap(False, 'restore: the focus is on heading “Restoring Your Qubes”')
    check_focus(wizard, 'QrPageDone', 'done', 'heading', 'Your Qubes Are Restored')
    heading = wizard.focused()
    tap(home in heading.description, 'done: the heading says where the qubes are',
        heading.description)
    check_page(wizard, 'QrPageDone', 'done')

    # The help, from the keyboard: its copy buttons have names too.
    wizard.press(KEY_F1)
    help_window = wizard.wait_for(lambda: wizard.frame('Help'), 'the help window', timeout=30)
    check_page(wizard, None, 'help', help_window)
    wizard.press(KEY_ESCAPE)
    wizard.wait_for(lambda: wizard.frame('Help') is None, 'the help window to close', timeout=30)

    # Back to the qubes: the qube just restored is kept, and says so.
    wizard.click(wizard.frame(), 'Back to Qubes')
    check_focus(wizard, 'QrPageChoose', 'back to the qubes', 'heading', 'Choose What to Restore')
    row = wizard.find(wizard.frame(), 'check box', 'work')
    tap(row is not None and 'Already restored' in row.description,
        'back to the qubes: a restored qube says so', row and row.description)


def _descendants(obj):
    for i in range(obj.childCount):
        child = obj.getChildAtIndex(i)
        if child is not None:
            yield child
            yield from _descendants(child)


if __name__ == '__main__':
    try:
        from gi.repository import GLib
        import pyatspi
    except ImportError:
        skip_all('pyatspi is not installed for {} (python3-pyatspi)'.format(sys.executable))
    sys.exit(main())
