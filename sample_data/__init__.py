"""Realistic Seller Central sample files with planted root causes.

``from sample_data.make_sample import generate`` writes the files and returns
the ground truth (also written to ``TRUTH.json``).
"""
