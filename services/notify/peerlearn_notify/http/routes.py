"""Every controller notify serves."""

from __future__ import annotations

from peerlearn_notify.http.inbox import InboxController
from peerlearn_notify.http.preferences import SettingsController
from peerlearn_notify.http.unsubscribe import UnsubscribeController
from peerlearn_notify.http.webhooks import WebhookController

CONTROLLERS = [InboxController, SettingsController, UnsubscribeController, WebhookController]
