#!/usr/bin/env python3
"""Loads one `heldout` sample (copied unchanged from the issue-13 red team's held-out corpus).

    heldout_load.py LOADER PATH

The loaders of scripts/load-sample.py. The red team's payloads create `./PWNED` rather than
`./CANARY`: it is renamed once the loader has run, so the corpus test's proof applies.
"""
import os
import runpy
import sys
from pathlib import Path

try:
    runpy.run_path(str(Path(__file__).resolve().parent.parent / "load-sample.py"), run_name="__main__")
finally:
    if os.path.exists("PWNED"):
        os.replace("PWNED", "CANARY")
