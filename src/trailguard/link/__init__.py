"""The link stage: assessments in, networks out (shared identifiers, templates, images, movement)."""

from trailguard.link.config import LinkConfig
from trailguard.link.linker import link_assessments

__all__ = ["LinkConfig", "link_assessments"]
