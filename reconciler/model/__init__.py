"""Pure data shared by planning, rendering and applying.

No external calls or any I/O are done here: no requests, no click, no clock.
Everything that decides convergence can be tested with plain values.
"""
