"""Test setup.  Qt must be told to render offscreen before anything imports it."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# no test reads or writes the user's own preferences (rnnviz.gui.settings)
os.environ["RNNVIZ_SETTINGS"] = os.path.join(
    __import__("tempfile").mkdtemp(prefix="rnnviz-test-settings-"), "settings.ini"
)

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=60, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
