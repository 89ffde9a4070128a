"""What the browser tests share: the peers they need (Debian chromium, node, and
playwright-core and axe-core in node_modules, all installed by
scripts/install-test-peers.sh), a skip when one is missing, and opening hours that keep a
group open whenever the test runs."""
import os
import shutil
import unittest

from harness import ROOT

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")
# The screenshots in docs/screenshots are refreshed with LOTSEN_SCREENSHOTS=docs/screenshots;
# by default they go to the test server's directory so a test run leaves the tree clean.
SHOTS = os.environ.get("LOTSEN_SCREENSHOTS")
PEERS = "scripts/install-test-peers.sh installs them"
ALWAYS = {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
          "holidays": "ignore"}


def _missing():
    if not os.path.exists(CHROMIUM):
        return f"no {CHROMIUM}; {PEERS}"
    if not NODE:
        return f"no node; {PEERS}"
    for mod in ("playwright-core", "axe-core"):
        if not os.path.isdir(os.path.join(ROOT, "node_modules", mod)):
            return f"no playwright-core/axe-core in node_modules; {PEERS}"
    return None


def needs_browser(cls):
    """Skips the test class when a browser peer is missing, saying which."""
    why = _missing()
    return unittest.skip(why)(cls) if why else cls
