"""Data sets of the kit: official downloads (or a local mirror), prepared caches, synthetic look-alikes."""
