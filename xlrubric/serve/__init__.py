"""`xlrubric serve`: the local page and the service the WPS button talks to (loopback only)."""
