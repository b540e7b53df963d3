"""`python -m trailguard.cli` runs the command line."""

from trailguard.cli import main

main()
