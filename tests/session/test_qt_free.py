"""The session package never imports Qt: scripts load and save sessions without a GUI."""

import subprocess
import sys


def test_session_import_loads_no_qt():
    code = (
        "import sys, rnnviz.session, rnnviz.session.files, rnnviz.session.importers, rnnviz.session.text,"
        " rnnviz.session.weights, rnnviz.session.exporters, rnnviz.session.examples;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
