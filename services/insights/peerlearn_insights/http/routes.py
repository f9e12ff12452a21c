"""Every controller insights serves."""

from __future__ import annotations

from peerlearn_insights.http.lrs import LrsController
from peerlearn_insights.http.records import RecordController

CONTROLLERS = [RecordController, LrsController]
