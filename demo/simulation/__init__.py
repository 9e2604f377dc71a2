"""simulate_applications: a believable province driven through the real flow in controlled time."""

from .province import Province, Report

__all__ = ["Province", "Report"]
