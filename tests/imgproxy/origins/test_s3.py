"""S3Origin against moto's real S3 server on 127.0.0.1, with IAM signature and policy checks on.

Nothing here may reach AWS: every AWS_* variable, the credential files and the endpoint point at
the loopback server, and each origin's URL is checked to be loopback before it is used."""

from __future__ import annotations

import hashlib
import json
import random
import socket
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import pyvips
from botocore.config import Config
from botocore.session import Session
from moto.server import ThreadedMotoServer

from imgproxy.errors import (
    OriginError,
    OriginTimeout,
    SourceNotAllowed,
    SourceNotFound,
    SourceTooLarge,
)
from imgproxy.origins import Original
from imgproxy.origins.ranges import PREFIX_BYTES, Head
from imgproxy.origins.s3 import S3Origin
from imgproxy.url.source import decode_plain, encode_plain
from tests.support import running_proxy

REPO = Path(__file__).resolve().parents[3]

CORPUS = Path(__file__).resolve().parents[2] / "images"
LOOPBACK = "127.0.0.1"
REGION = "us-east-1"
BUCKET = "images"
VERSIONED = "versioned"
S3_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}
# Anything that could send botocore or httpx elsewhere than the loopback server.
UNSET_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
ODD_KEYS = {
    "dir with spaces/photo 1.png": "png-palette-trns.png",
    "ünïcødé/画像 ☃.webp": "webp-lossy-alpha.webp",
    "100%.gif": "gif-transparent.gif",
    "a%20b.jpg": "jpeg-baseline-icc.jpg",
    "a b.jpg": "jpeg-grayscale-icc.jpg",
    "hash#plus+amp&eq=.bmp": "bmp-pal8-rle.bmp",
}

BLOB = random.Random(5).randbytes(1 << 20)
"""An object larger than a head's prefix."""


@dataclass
class Moto:
    endpoint: str
    keys: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: list[str] = field(default_factory=list)


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def reset_auth(endpoint: str, count: str) -> str:
    """moto's server switch: after `count` more requests every call is authenticated."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        count.encode(),
        {"Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return str(json.load(response)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])


def populate(moto: Moto) -> None:
    def client(service: str) -> Any:
        made = Session().create_client(
            service,
            endpoint_url=moto.endpoint,
            region_name=REGION,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )
        assert urlsplit(made.meta.endpoint_url).hostname == LOOPBACK
        return made

    iam, sts, s3 = client("iam"), client("sts"), client("s3")
    for user, policy in (("reader", S3_ALL), ("outsider", None)):
        iam.create_user(UserName=user)
        if policy:
            iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=user)["AccessKey"]
        moto.keys[user] = (key["AccessKeyId"], key["SecretAccessKey"], None)
    trust = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
    role = iam.create_role(
        RoleName="imgproxy",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [trust]}),
    )["Role"]
    iam.put_role_policy(RoleName="imgproxy", PolicyName="s3", PolicyDocument=json.dumps(S3_ALL))
    assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="test")["Credentials"]
    moto.keys["role"] = (
        assumed["AccessKeyId"],
        assumed["SecretAccessKey"],
        assumed["SessionToken"],
    )

    s3.create_bucket(Bucket=BUCKET)
    uploads = {"photo.jpg": "jpeg-baseline-icc.jpg", "large.jpg": "jpeg-cmyk-icc.jpg"}
    for key, name in (uploads | ODD_KEYS).items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=corpus(name), ContentType="image/x-test")
        head = s3.head_object(Bucket=BUCKET, Key=key)
        moto.objects[key] = head
    s3.put_object(Bucket=BUCKET, Key="blob.bin", Body=BLOB)
    s3.create_bucket(Bucket=VERSIONED)
    s3.put_bucket_versioning(Bucket=VERSIONED, VersioningConfiguration={"Status": "Enabled"})
    for name in ("png-palette-trns.png", "gif-transparent.gif"):
        put = s3.put_object(Bucket=VERSIONED, Key="logo", Body=corpus(name))
        moto.versions.append(put["VersionId"])
    assert len(set(moto.versions)) == 2


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Moto]:
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == LOOPBACK
    state = Moto(f"http://{host}:{port}")
    nowhere = tmp_path_factory.mktemp("aws") / "absent"
    try:
        with pytest.MonkeyPatch.context() as env:
            for name in UNSET_VARIABLES:
                env.delenv(name, raising=False)
            env.setenv("NO_PROXY", LOOPBACK)
            env.setenv("AWS_EC2_METADATA_DISABLED", "true")
            env.setenv("AWS_CONFIG_FILE", str(nowhere))
            env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
            env.setenv("AWS_ENDPOINT_URL", state.endpoint)
            env.setenv("AWS_REGION", REGION)
            env.setenv("AWS_DEFAULT_REGION", REGION)
            env.setenv("AWS_ACCESS_KEY_ID", "setup")
            env.setenv("AWS_SECRET_ACCESS_KEY", "setup")
            populate(state)
            env.setenv("AWS_ACCESS_KEY_ID", state.keys["reader"][0])
            env.setenv("AWS_SECRET_ACCESS_KEY", state.keys["reader"][1])
            previous = reset_auth(state.endpoint, "0")
            try:
                yield state
            finally:
                reset_auth(state.endpoint, previous)
    finally:
        server.stop()


@asynccontextmanager
async def s3_origin(
    moto: Moto, user: str | None = "reader", **overrides: Any
) -> AsyncIterator[S3Origin]:
    access_key, secret_key, token = moto.keys[user] if user else (None, None, None)
    options: dict[str, Any] = {
        "endpoint": moto.endpoint,
        "region": REGION,
        "path_style": True,
        "access_key": access_key,
        "secret_key": secret_key,
        "session_token": token,
        "connect_timeout": 2.0,
        "read_timeout": 10.0,
    }
    origin = S3Origin(**(options | overrides))
    assert urlsplit(origin.object_url(f"s3://{BUCKET}/probe")).hostname == LOOPBACK
    try:
        yield origin
    finally:
        await origin.close()


async def test_fetch_returns_the_object_bytes_and_its_validators(moto: Moto) -> None:
    stored = moto.objects["photo.jpg"]
    async with s3_origin(moto) as origin:
        original = await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)
    assert original.data == corpus("jpeg-baseline-icc.jpg")
    assert original.content_type == "image/x-test"
    assert original.etag == stored["ETag"] == f'"{hashlib.md5(original.data).hexdigest()}"'
    assert original.last_modified is not None
    assert parsedate_to_datetime(original.last_modified) == stored["LastModified"]


@pytest.mark.parametrize("key", sorted(ODD_KEYS))
async def test_keys_are_used_verbatim_after_the_path_decoding(moto: Moto, key: str) -> None:
    # What the proxy's URL parser hands the origin for an encoded `plain/` source.
    plain = encode_plain(f"s3://{BUCKET}/{key}").split("/")[1:]
    source, _ = decode_plain(plain)
    assert source == f"s3://{BUCKET}/{key}"
    async with s3_origin(moto) as origin:
        original = await origin.fetch(source, 0)
    assert original.data == corpus(ODD_KEYS[key])
    assert original.etag == moto.objects[key]["ETag"]


async def test_version_query_selects_an_older_version(moto: Moto) -> None:
    older, newer = moto.versions
    async with s3_origin(moto) as origin:
        latest = await origin.fetch(f"s3://{VERSIONED}/logo", 0)
        plain_query = await origin.fetch(f"s3://{VERSIONED}/logo?{older}", 0)
        named_query = await origin.fetch(f"s3://{VERSIONED}/logo?version={older}", 0)
        newest = await origin.fetch(f"s3://{VERSIONED}/logo?{newer}", 0)
    assert latest.data == newest.data == corpus("gif-transparent.gif")
    assert plain_query.data == named_query.data == corpus("png-palette-trns.png")
    assert plain_query.etag != latest.etag


@pytest.mark.parametrize(
    "source",
    [
        f"s3://{BUCKET}/no/such/key.jpg",
        "s3://no-such-bucket/photo.jpg",
        f"s3://{VERSIONED}/logo?no-such-version",
        f"s3://{BUCKET}/",
        "s3:///photo.jpg",
        "s3://bad/bucket!/photo.jpg",
    ],
)
async def test_missing_objects_are_not_found(moto: Moto, source: str) -> None:
    async with s3_origin(moto) as origin:
        with pytest.raises(SourceNotFound):
            await origin.fetch(source, 0)


async def test_max_bytes_is_enforced(moto: Moto) -> None:
    size = moto.objects["large.jpg"]["ContentLength"]
    source = f"s3://{BUCKET}/large.jpg"
    async with s3_origin(moto) as origin:
        assert len((await origin.fetch(source, size)).data) == size
        with pytest.raises(SourceTooLarge):
            await origin.fetch(source, size - 1)
        with pytest.raises(SourceTooLarge):
            await origin.fetch(source, 1024)
        # The refused connection left nothing behind: the pool serves the next fetch.
        assert (await origin.fetch(f"s3://{BUCKET}/photo.jpg", 1024 * 1024)).data


async def test_session_token_credentials(moto: Moto) -> None:
    async with s3_origin(moto, "role") as origin:
        assert (await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)).data
    async with s3_origin(moto, "role", session_token="forged") as origin:
        with pytest.raises(OriginError):
            await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)


async def test_credentials_from_the_aws_environment(
    moto: Moto, monkeypatch: pytest.MonkeyPatch
) -> None:
    access_key, secret_key, _ = moto.keys["reader"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_key)
    async with s3_origin(moto, None) as origin:
        assert (await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)).data


@pytest.mark.parametrize(
    ("user", "overrides", "error"),
    [
        ("reader", {"secret_key": "wrong-secret"}, OriginError),
        ("reader", {"access_key": "AKIAUNKNOWNKEY000000"}, OriginError),
        ("outsider", {}, SourceNotAllowed),
    ],
    ids=["signature-mismatch", "unknown-access-key", "access-denied"],
)
async def test_credential_failures(
    moto: Moto, user: str, overrides: dict[str, str], error: type[Exception]
) -> None:
    async with s3_origin(moto, user, **overrides) as origin:
        with pytest.raises(error) as raised:
            await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)
    assert type(raised.value) is error


async def test_dot_segments_cannot_leave_the_bucket(moto: Moto) -> None:
    async with s3_origin(moto) as origin:
        for source in (f"s3://{BUCKET}/../{VERSIONED}/logo", f"s3://{BUCKET}/a/./photo.jpg"):
            with pytest.raises(SourceNotAllowed):
                await origin.fetch(source, 0)


async def test_unanswered_request_times_out(moto: Moto) -> None:
    with socket.socket() as silent:
        silent.bind((LOOPBACK, 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        endpoint = f"http://{LOOPBACK}:{silent.getsockname()[1]}"
        async with s3_origin(moto, endpoint=endpoint, read_timeout=0.2) as origin:
            with pytest.raises(OriginTimeout):
                await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)


async def test_refused_connection_is_an_origin_error(moto: Moto) -> None:
    with socket.socket() as closed:
        closed.bind((LOOPBACK, 0))
        endpoint = f"http://{LOOPBACK}:{closed.getsockname()[1]}"  # bound, not listening
        async with s3_origin(moto, endpoint=endpoint) as origin:
            with pytest.raises(OriginError):
                await origin.fetch(f"s3://{BUCKET}/photo.jpg", 0)


def test_object_urls_for_both_addressing_styles() -> None:
    def url(source: str, **options: Any) -> str:
        settings: dict[str, Any] = {
            "endpoint": "https://objects.example.test/base/",
            "region": REGION,
            "path_style": False,
            "access_key": "key",
            "secret_key": "secret",
            "session_token": None,
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
        }
        return S3Origin(**(settings | options)).object_url(source)

    assert url("s3://my-bucket/a b/ü.jpg") == (
        "https://my-bucket.objects.example.test/base/a%20b/%C3%BC.jpg"
    )
    assert url("s3://my-bucket/k#1?v+1/=") == (
        "https://my-bucket.objects.example.test/base/k%231?versionId=v%2B1%2F%3D"
    )
    # Dotted and legacy names cannot be host labels: they fall back to the path.
    assert url("s3://my.bucket/k") == "https://objects.example.test/base/my.bucket/k"
    assert url("s3://My_Bucket/k") == "https://objects.example.test/base/My_Bucket/k"
    assert url("s3://my-bucket/k", path_style=True) == (
        "https://objects.example.test/base/my-bucket/k"
    )
    assert url("s3://b1/k%2F", endpoint="minio:9000", path_style=True) == (
        "http://minio:9000/b1/k%252F"
    )
    assert url("s3://my-bucket/k", endpoint=None, region="eu-central-1") == (
        "https://my-bucket.s3.eu-central-1.amazonaws.com/k"
    )


def test_the_server_reads_s3_sources_when_enabled(moto: Moto) -> None:
    key_id, secret, _ = moto.keys["reader"]
    env = {
        "IMGPROXY_USE_S3": "1",
        "IMGPROXY_S3_ENDPOINT": moto.endpoint,
        "IMGPROXY_S3_REGION": REGION,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
    }
    with running_proxy(env) as base, httpx.Client(base_url=base, timeout=30) as client:
        response = client.get(f"/_/w:50/plain/s3://{BUCKET}/photo.jpg@png")
        assert response.status_code == 200
        assert pyvips.Image.new_from_buffer(response.content, "").width == 50
        missing = client.get(f"/_/w:50/plain/s3://{BUCKET}/absent.jpg")
        assert (missing.status_code, missing.text.strip()) == (404, "Source image not found")
    with running_proxy({}) as base, httpx.Client(base_url=base, timeout=30) as client:
        refused = client.get(f"/_/w:50/plain/s3://{BUCKET}/photo.jpg")
        assert (refused.status_code, refused.text.strip()) == (
            403,
            "Source scheme 's3' is not enabled",
        )


async def test_a_head_leaves_the_object_to_signed_ranged_reads(moto: Moto) -> None:
    source = f"s3://{BUCKET}/blob.bin"
    async with s3_origin(moto) as origin:
        head = await origin.fetch_head(source, 0, lambda _first: True)
        whole = await origin.fetch_head(source, 0, lambda _first: False)
        span = await origin.fetch_range(source, 100, 70_000, 0)
        tail = await origin.fetch_range(source, len(BLOB) - 5, len(BLOB) + 5, 0)
    assert isinstance(head, Head)
    assert head.size == len(BLOB)
    assert len(head.original.data) >= PREFIX_BYTES
    assert head.original.data == BLOB[: len(head.original.data)]
    assert isinstance(whole, Original)
    assert whole.data == BLOB
    assert (span.start, span.size, span.data) == (100, len(BLOB), BLOB[100:70_000])
    assert span.validator == head.original.etag == f'"{hashlib.md5(BLOB).hexdigest()}"'
    assert tail.data == BLOB[-5:]


async def test_ranged_reads_are_signed_and_refused_without_access(moto: Moto) -> None:
    async with s3_origin(moto, "outsider") as origin:
        with pytest.raises(SourceNotAllowed):
            await origin.fetch_range(f"s3://{BUCKET}/blob.bin", 0, 10, 0)


@pytest.mark.parametrize(("use_s3", "loaded"), [("false", "[]"), ("true", "['botocore']")])
def test_botocore_is_loaded_only_where_s3_sources_are_on(use_s3: str, loaded: str) -> None:
    # Memory per process is a cost figure: botocore is ~7 MB a process that reads no S3.
    script = (
        "import sys\n"
        "from config.settings import Settings\n"
        "from starlette.testclient import TestClient\n"
        "from imgproxy.app import create_app\n"
        f"app = create_app(Settings.from_env({{'IMGPROXY_USE_S3': '{use_s3}'}}))\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/health').status_code == 200\n"
        "print(sorted({'botocore'} & {name.split('.')[0] for name in sys.modules}))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert found.stdout.strip() == loaded, found.stderr
