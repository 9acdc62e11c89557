"""`bench` is a folder of scripts at the repository root, not an installed package: make it
importable here as `python -m bench.rush` does from the root (spawned helper processes inherit
this path)."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
