from __future__ import annotations

from portline.common.errors import ApplicationError


class LinkageNotConfigured(ApplicationError):
    """Linkage cannot run here: no fingerprint key, or Spark asked for without Java."""

    code = "linkage_not_configured"
    http_status = 503
