"""Every controller insights serves."""

from __future__ import annotations

from peerlearn_insights.http.lrs import LrsController
from peerlearn_insights.http.network import NetworkController
from peerlearn_insights.http.records import RecordController
from peerlearn_insights.http.report import ReportController

CONTROLLERS = [RecordController, LrsController, ReportController, NetworkController]
