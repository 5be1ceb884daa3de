"""The demo: the real system on this machine, end to end, under each service's own principal."""
