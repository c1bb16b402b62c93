"""Ballot files: BLT, PrefLib and CSV, read into profiles and written back."""
