"""Evidence: cases, web captures in WARC, a signed hash-chained custody log, WACZ export and verification.

Heavy imports (warcio, cryptography) live in the submodules so that `trailguard --help` stays fast.
"""
