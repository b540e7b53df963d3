"""The public ("frontline") side of `trailguard serve`: help directory, screening aid, public reports and the
victim's hash submission, with the guards a page open to anyone needs (proof of work, rate limits, sizes)."""
