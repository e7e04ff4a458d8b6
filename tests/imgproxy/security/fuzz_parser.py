"""Coverage-guided fuzz target (atheris) for everything that reads a request path.

    .venv/bin/python tests/imgproxy/security/fuzz_parser.py -atheris_runs=10000

Any exception other than a 4xx `ProxyError` or an `ArgumentError` is a finding: atheris stops
and writes the input to `crash-<sha1>`. Replay one with `... fuzz_parser.py crash-<sha1>`.
Not collected by pytest (no `test_` prefix); the same properties run under hypothesis in
`test_hostile_urls.py`.
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

with atheris.instrument_imports():
    from imgproxy.errors import ProxyError
    from imgproxy.security.addresses import classify, is_plain_hostname, parse_host_ip
    from imgproxy.security.allowed_sources import AllowedSources
    from imgproxy.security.client_key import client_key
    from imgproxy.security.encryption import decode_encrypted
    from imgproxy.signing import Verifier
    from imgproxy.url.args import ArgumentError
    from imgproxy.url.parser import PathParser, split_signature
    from imgproxy.url.source import decode_base64, decode_plain

PARSER = PathParser()
PRESETS_ONLY = PathParser(separator=",", only_presets=True)
VERIFIER = Verifier([b"key"], [b"salt"], size=8)
SOURCES = AllowedSources(["http://good.com/", "https://*.cdn.example/img/", "local:///images/"])
KEY = bytes(range(32))
TRUSTED = [ipaddress.ip_network("10.0.0.0/8")]


def request_path(text: str) -> None:
    signature, rest = split_signature(text)
    VERIFIER.verify(signature, "/" + rest)


TARGETS = [
    PARSER.parse,
    PRESETS_ONLY.parse,
    request_path,
    lambda text: VERIFIER.verify(text[:43], text[43:]),
    lambda text: decode_plain(text.split("/")),
    lambda text: decode_base64(text.split("/")),
    lambda text: decode_encrypted(text.split("/"), KEY),
    SOURCES.check,
    lambda text: is_plain_hostname(text) or parse_host_ip(text),
    lambda text: client_key(
        {"client": ("10.0.0.1", 1), "headers": [(b"x-forwarded-for", text.encode("utf-8"))]},
        TRUSTED,
    ),
]


# Building blocks the fuzzer may splice in, so it reaches deep grammar quickly.
TOKENS = [
    "plain", "enc", "unsafe", "rs:fill:300:200", "w:abc", "h:99999999999", "f:png", "pr:x",
    "exp:1", "fit", "http:", "http://127.0.0.1", "local:", "@png", "@", ".png", "..", "%",
    "%3A", "%zz", "%ff", "%e2%82", ":", "aHR0cDovL2EuY29tL2EuanBn", "=", "\x00", "\u00ff",
]  # fmt: skip


def expected(error: Exception) -> bool:
    if isinstance(error, ArgumentError):
        return True
    return isinstance(error, ProxyError) and 400 <= error.status < 500


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    target = TARGETS[provider.ConsumeIntInRange(0, len(TARGETS) - 1)]
    if provider.ConsumeBool():
        classify(ipaddress.IPv6Address(provider.ConsumeInt(16) % 2**128))
    parts = [TOKENS[provider.ConsumeIntInRange(0, len(TOKENS) - 1)] for _ in range(
        provider.ConsumeIntInRange(0, 8)
    )]  # fmt: skip
    parts.append(provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes()))
    text = "/".join(parts)
    try:
        target(text)
    except Exception as error:
        if not expected(error):
            raise


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
