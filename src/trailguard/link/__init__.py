"""The link stage: assessments in, networks out (shared identifiers, templates, images, movement)."""

from trailguard.link.config import LinkConfig
from trailguard.link.linker import LinkResult, link, link_assessments

__all__ = ["LinkConfig", "LinkResult", "link", "link_assessments"]
