"""zigbridge benchmarks: ``python -m bench`` (``--quick``, ``--soak``, ``--long``, ``--only``).

Results and how to read them: bench/RESULTS.md.
"""
