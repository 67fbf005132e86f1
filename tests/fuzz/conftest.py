"""Lets the fuzz tests import their shared corpus whatever pytest's import mode."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
