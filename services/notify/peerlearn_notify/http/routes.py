"""Every controller notify serves."""

from __future__ import annotations

from peerlearn_notify.http.inbox import InboxController
from peerlearn_notify.http.preferences import SettingsController
from peerlearn_notify.http.unsubscribe import UnsubscribeController

CONTROLLERS = [InboxController, SettingsController, UnsubscribeController]
