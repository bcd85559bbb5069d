"""A FAKE S3 server for tests: moto's ``ThreadedMotoServer`` on a loopback port.

It stands in for Cloudflare R2 only in tests: the R2 blob store talks real HTTP to it, so the
boto3 client, its configuration, multipart uploads and presigned URLs are all exercised. Nothing
here depends on pytest. Credentials are dummies passed as arguments; the machine's AWS
environment and config files play no part.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import boto3
from botocore.config import Config
from moto.server import ThreadedMotoServer

FAKE_ACCESS_KEY_ID = "fake-access-key-id"
FAKE_SECRET_ACCESS_KEY = "fake-secret-access-key"
FAKE_REGION = "auto"


class FakeS3Server:
    """A moto S3 server on ``127.0.0.1`` and a free port, started and stopped explicitly.

    Args:
        access_key_id: The dummy key ID the helper clients sign with (moto accepts any).
        secret_access_key: The dummy secret the helper clients sign with.
        region: The region the helper clients and buckets use; R2's is ``auto``.
    """

    def __init__(
        self,
        *,
        access_key_id: str = FAKE_ACCESS_KEY_ID,
        secret_access_key: str = FAKE_SECRET_ACCESS_KEY,
        region: str = FAKE_REGION,
    ) -> None:
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.region = region
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._running = False

    def start(self) -> str:
        """Start serving (returns once the socket listens) and return the endpoint URL."""
        # werkzeug logs every request at INFO on stderr; only its warnings are worth reading.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server.start()
        self._running = True
        return self.endpoint_url

    def stop(self) -> None:
        """Stop serving and join the server thread."""
        if self._running:
            self._server.stop()
            self._running = False

    def client(self) -> Any:
        """A boto3 S3 client for this server, configured like the R2 store's."""
        session = boto3.session.Session(
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            region_name=self.region,
        )
        config = Config(
            signature_version="s3v4",
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            s3={"addressing_style": "path"},
        )
        return session.client("s3", endpoint_url=self.endpoint_url, config=config)

    def create_bucket(self, client: Any, name: str) -> None:
        """Create bucket ``name``; moto needs the location constraint for region ``auto``."""
        client.create_bucket(
            Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region}
        )

    def __enter__(self) -> FakeS3Server:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def free_port() -> int:
    """A loopback port that was free a moment ago (bind to port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
