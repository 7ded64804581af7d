"""Benchmarks of rnnspec's references against torch's built-ins (asv and pytest-benchmark).

Not installed with rnnspec: they live in the repository only.
"""
