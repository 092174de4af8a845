#!/usr/bin/python3
"""Saves a copy of a document with a password to open it, through a real headless LibreOffice
(UNO): make-protected.py <source> <target> <password>. The target's format follows its
extension (docx, odt). Used by specs/password.spec.js; LibreOffice runs with a throw-away
profile seeded from tests/fixtures/seed-profile."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import NamedValue, PropertyValue

FILTERS = {'docx': 'MS Word 2007 XML', 'odt': 'writer8'}


def prop(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def main():
    source, target, password = sys.argv[1:4]
    repo = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
    profile = tempfile.mkdtemp(prefix='oxool-protect-')
    shutil.copytree(os.path.join(repo, 'tests', 'fixtures', 'seed-profile'), profile, dirs_exist_ok=True)
    pipe = f'oxoolprotect{os.getpid()}'
    office = subprocess.Popen([
        'soffice', '--headless', '--invisible', '--norestore', '--nologo',
        f'-env:UserInstallation=file://{profile}', f'--accept=pipe,name={pipe};urp;',
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        resolver = uno.getComponentContext().ServiceManager.createInstanceWithContext(
            'com.sun.star.bridge.UnoUrlResolver', uno.getComponentContext())
        for _ in range(600):
            try:
                ctx = resolver.resolve(f'uno:pipe,name={pipe};urp;StarOffice.ComponentContext')
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        else:
            sys.exit('LibreOffice did not start')
        desktop = ctx.ServiceManager.createInstanceWithContext('com.sun.star.frame.Desktop', ctx)
        # A copy: LibreOffice leaves a lock file beside what it opens.
        copy = os.path.join(profile, 'source' + os.path.splitext(source)[1])
        shutil.copyfile(source, copy)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(copy), '_blank', 0, (prop('Hidden', True),))
        if doc is None:
            sys.exit(f'LibreOffice could not open {source}')
        ext = target.rsplit('.', 1)[-1].lower()
        args = [prop('FilterName', FILTERS[ext])]
        if ext == 'docx':
            # OOXML's filter takes the password as encryption data (agile encryption).
            data = NamedValue()
            data.Name = 'OOXPassword'
            data.Value = password
            crypto = NamedValue()
            crypto.Name = 'CryptoType'
            crypto.Value = 'Standard'
            args.append(prop('EncryptionData', uno.Any('[]com.sun.star.beans.NamedValue', (data, crypto))))
        else:
            args.append(prop('Password', password))
        # Typed Anys all the way: pyuno would otherwise pass the data as a sequence of any.
        uno.invoke(doc, 'storeToURL', (uno.systemPathToFileUrl(os.path.abspath(target)),
                                       uno.Any('[]com.sun.star.beans.PropertyValue', tuple(args))))
        doc.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge goes away with the office
            pass
    finally:
        try:
            office.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        # soffice.bin may outlive its launcher: end the one that serves our pipe, by its id.
        for pid in os.listdir('/proc'):
            try:
                with open(f'/proc/{pid}/cmdline', 'rb') as f:
                    if f'name={pipe};'.encode() in f.read():
                        os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    main()
