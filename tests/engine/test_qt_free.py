"""The engine must never import Qt: scripts and notebooks use it without a GUI."""

import subprocess
import sys


def test_engine_import_loads_no_qt():
    code = (
        "import sys, rnnviz.engine, rnnviz.engine.network, rnnviz.engine.trace;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6'));"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
