"""The desktop app: Qt views over view models over the service core (``app``)."""
