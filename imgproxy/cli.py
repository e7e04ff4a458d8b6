"""`python -m imgproxy sign|serve|health`. Server modules are imported only by `serve`."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import replace

from imgproxy.client import UrlBuilder
from imgproxy.errors import ProxyError
from imgproxy.signing import SigningKeyError, read_key_pairs
from imgproxy.url.options import ResizingType
from imgproxy.url.parser import PathParser

DEV_SAMPLE = "sample-landscape.jpg"
NO_KEY = (
    "no signing key: pass --key and --salt (or set IMGPROXY_KEY and IMGPROXY_SALT), "
    "or --unsigned for an /unsafe/ URL"
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m imgproxy")
    commands = parser.add_subparsers(dest="command", required=True)

    sign = commands.add_parser(
        "sign",
        help="print a signed URL",
        description="Key and salt default to IMGPROXY_KEY/IMGPROXY_SALT.",
    )
    sign.add_argument("source", help="source image URL, e.g. https://example.com/a.jpg")
    sign.add_argument("options", nargs="*", help="processing options, e.g. rs:fill:300:200 q:75")
    sign.add_argument("--base-url", default="", help="where the proxy is served")
    sign.add_argument("--key", help="hex key (default: IMGPROXY_KEY)")
    sign.add_argument("--salt", help="hex salt (default: IMGPROXY_SALT)")
    sign.add_argument("--format", default="", help="output format, e.g. webp")
    sign.add_argument("--base64", action="store_true", help="encode the source as base64url")
    sign.add_argument(
        "--unsigned",
        action="store_true",
        help="print an /unsafe/ URL, for a server without IMGPROXY_KEY/IMGPROXY_SALT",
    )

    serve = commands.add_parser("serve", help="run the proxy (settings from IMGPROXY_*)")
    serve.add_argument("--bind", help="host:port (default: IMGPROXY_BIND or :8080)")
    serve.add_argument(
        "--workers", type=int, help="uvicorn worker processes (default: IMGPROXY_PROCESSES or 1)"
    )
    serve.add_argument(
        "--dev",
        action="store_true",
        help="development defaults: a generated key, the bundled sample images",
    )

    health = commands.add_parser("health", help="exit 0 when the local server answers /health")
    health.add_argument("--bind", help="host:port (default: IMGPROXY_BIND or :8080)")
    return parser


def sign_command(args: argparse.Namespace) -> int:
    try:
        builder = signing_builder(args, os.environ)
    except SigningKeyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    separator = builder.separator
    segments = [*args.options, *([f"f{separator}{args.format}"] if args.format else [])]
    try:
        options = PathParser(separator).parse("/".join([*segments, "plain", "-"])).options
    except ProxyError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(replace(builder, base64_source=args.base64).url(args.source, options))
    return 0


def signing_builder(args: argparse.Namespace, environ: Mapping[str, str]) -> UrlBuilder:
    """The builder `sign` uses: --key/--salt over IMGPROXY_KEY/IMGPROXY_SALT, checked as the
    server checks them; no key at all only with --unsigned."""
    env = dict(environ)
    if args.unsigned:
        if args.key is not None or args.salt is not None:
            raise SigningKeyError("--unsigned cannot be combined with --key or --salt")
        env["IMGPROXY_KEY"] = env["IMGPROXY_SALT"] = ""
    names = ("IMGPROXY_KEY", "IMGPROXY_SALT")
    if args.key is not None:
        env["IMGPROXY_KEY"], names = args.key, ("--key", names[1])
    if args.salt is not None:
        env["IMGPROXY_SALT"], names = args.salt, (names[0], "--salt")
    pairs = read_key_pairs(env.get("IMGPROXY_KEY", ""), env.get("IMGPROXY_SALT", ""), names)
    if not pairs and not args.unsigned:
        raise SigningKeyError(NO_KEY)
    size = env.get("IMGPROXY_SIGNATURE_SIZE", "").strip() or "32"
    if not size.isdigit() or not 1 <= int(size) <= 32:
        raise SigningKeyError(f"IMGPROXY_SIGNATURE_SIZE must be 1..32, got {size!r}")
    return UrlBuilder.from_env(args.base_url, env | {"IMGPROXY_SIGNATURE_SIZE": size})


def health_command(args: argparse.Namespace) -> int:
    bind = args.bind or os.environ.get("IMGPROXY_BIND", "") or ":8080"
    host, _, port = bind.rpartition(":")
    try:
        with urllib.request.urlopen(f"{local_base(host, port)}/health", timeout=5) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


def local_base(host: str, port: int | str) -> str:
    """The URL by which this machine reaches a server bound to host:port."""
    host = host.strip("[]")
    host = "127.0.0.1" if host in {"", "0.0.0.0"} else host
    host = "[::1]" if host == "::" else (f"[{host}]" if ":" in host else host)
    return f"http://{host}:{port}"


def serve_command(args: argparse.Namespace) -> int:
    from imgproxy.malloc_preload import PreloadError, run_preloaded  # noqa: PLC0415

    try:
        run_preloaded(os.environ)  # before the server's imports, which a second start repeats
    except PreloadError as error:
        print(f"Invalid configuration: {error}", file=sys.stderr, flush=True)
        return 2
    from imgproxy.server import serve  # noqa: PLC0415 - keeps `sign` free of server deps
    from transforms.allocator import limit_arenas  # noqa: PLC0415

    limit_arenas()  # before any thread starts, so that every thread shares the capped arenas
    env = dict(os.environ)
    if args.bind:
        env["IMGPROXY_BIND"] = args.bind
    if args.workers:
        env["IMGPROXY_PROCESSES"] = str(args.workers)
    if not args.dev:
        return serve(env)
    env = development_env(env)

    def announce(host: str, port: int) -> None:
        print(development_banner(env, local_base(host, port)), flush=True)

    return serve(env, announce)


def development_env(env: dict[str, str]) -> dict[str, str]:
    """Development defaults: loopback, the bundled samples, a fresh key with the playground."""
    from config.settings import SAMPLES_DIR  # noqa: PLC0415

    env.setdefault("IMGPROXY_LOCAL_FILESYSTEM_ROOT", str(SAMPLES_DIR))
    if not env.get("IMGPROXY_KEY"):
        env["IMGPROXY_KEY"] = secrets.token_hex(32)
        env["IMGPROXY_SALT"] = secrets.token_hex(32)
        # This key is thrown away with the process: the playground may sign with it.
        env.setdefault("IMGPROXY_PLAYGROUND", "true")
        env["IMGPROXY_PLAYGROUND_FORCE"] = "true"
    env["IMGPROXY_BIND"] = env.get("IMGPROXY_BIND") or "127.0.0.1:8080"
    return env


def development_banner(env: Mapping[str, str], base: str) -> str:
    """What `serve --dev` prints once it listens at `base`: the key, an example, the playground.
    `env` has passed the settings check, so its key and salt are valid."""
    from config.env import read_bool  # noqa: PLC0415

    example = UrlBuilder.from_env(base, env).url(
        f"local:///{DEV_SAMPLE}", width=600, height=400, resizing_type=ResizingType.FILL
    )
    banner = (
        "\nDevelopment mode: a fresh signing key for this run (do not use it in production)\n"
        f"  IMGPROXY_KEY={env['IMGPROXY_KEY']}\n  IMGPROXY_SALT={env['IMGPROXY_SALT']}\n"
        f"  local sources from {env['IMGPROXY_LOCAL_FILESYSTEM_ROOT']}\n\n"
        f"Open this example (600x400, cropped to fill):\n  {example}\n"
    )
    if read_bool("IMGPROXY_PLAYGROUND", env.get("IMGPROXY_PLAYGROUND", "")):
        banner += f"\nPlayground (try options, get signed URLs):\n  {base}/\n"
    return banner


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    commands = {"sign": sign_command, "serve": serve_command, "health": health_command}
    return commands[args.command](args)
