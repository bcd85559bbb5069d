"""Ports: the typing.Protocol interfaces the services depend on and the adapters implement."""
