"""Talking to the outside world: EDI ANSI X12 (x12/), file import and export (files/)."""
