"""pytest hooks of vftest (entry point `pytest11: vftest`)."""

from __future__ import annotations
