"""``medialib local start-api`` and ``medialib local invoke``, the Docker-free counterparts of ``sam local``,
``medialib replay-dlq``, which puts the dead letters of a deployed or local stack back on their functions, and
``medialib accounts`` (``accounts_cli.py``), which manages the accounts of a deployed or local stack."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from medialib_local.functions import FunctionError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medialib", description="medialib command line")
    commands = parser.add_subparsers(dest="group", required=True)
    local = commands.add_parser("local", help="run the stack on this machine, no AWS account, no Docker")
    actions = local.add_subparsers(dest="action", required=True)

    start = actions.add_parser("start-api", help="serve the API and delivery on HOST:PORT")
    start.add_argument("--host", default="127.0.0.1")
    start.add_argument("--port", type=int, default=3000)
    start.add_argument("-t", "--template", type=Path, default=None, help="default: the nearest template.yaml")
    start.add_argument(
        "--allow-loopback-urls",
        action="store_true",
        help="let uploads fetch a `file` URL from this machine (127.0.0.0/8, ::1), e.g. a test server; "
        "private, link-local and metadata addresses stay refused. Off by default, never in AWS",
    )

    invoke = actions.add_parser("invoke", help="run one function once with an event, like `sam local invoke`")
    invoke.add_argument("function", help="logical id (UploadFunction) or short name (upload)")
    invoke.add_argument("-e", "--event", type=Path, help="event JSON file; default: {}")
    invoke.add_argument("-t", "--template", type=Path, default=None)

    replay = commands.add_parser(
        "replay-dlq",
        help="re-invoke each dead letter's function with its event, deleting it once that succeeded",
        description="Reads the dead-letter queue of the asynchronous invocations (docs/dead-letters.md) and invokes "
        "each message's function again with its original event; a message is deleted only when the function "
        "answered without error. Credentials and region: boto3's usual chain.",
    )
    where = replay.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack-name", help="a deployed stack: its DeadLetterQueueUrl output")
    where.add_argument("--queue-url", help="the queue itself (the local stack prints it)")
    replay.add_argument("--endpoint-url", help="another AWS endpoint, e.g. the local stack's moto endpoint")
    replay.add_argument("--region", help="default: boto3's (AWS_REGION, the profile)")
    replay.add_argument("--dry-run", action="store_true", help="list the messages; invoke and delete nothing")

    from medialib_local.accounts_cli import add_parser  # noqa: PLC0415 - ACCOUNTS

    add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.group == "replay-dlq":
        return _replay_dlq(args)
    if args.group == "accounts":
        from medialib_local.accounts_cli import run  # noqa: PLC0415

        return run(args)
    if args.action == "start-api":
        return _start_api(args)
    return _invoke(args)


def start_api_environment(args: argparse.Namespace) -> dict[str, str]:
    """The settings that start-api's flags turn on, as environment variables of the functions it runs."""
    from medialib.settings import ALLOW_LOOPBACK_URLS  # noqa: PLC0415

    return {ALLOW_LOOPBACK_URLS: "true"} if args.allow_loopback_urls else {}


def _stack(args: argparse.Namespace, base_url: str) -> Any:
    from medialib_local.stack import DevAccount, LocalStack, find_template  # noqa: PLC0415

    return LocalStack(args.template or find_template(), base_url, DevAccount.from_env())


def _start_api(args: argparse.Namespace) -> int:
    from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: PLC0415

    from medialib_local.aws import quiet  # noqa: PLC0415

    base_url = f"http://{args.host}:{args.port}"
    os.environ.update(start_api_environment(args))
    stack = _stack(args, base_url)
    server = make_server(args.host, args.port, stack.start(), threaded=True, request_handler=quiet(WSGIRequestHandler))
    account = stack.account
    loopback = (
        "  URL uploads            from loopback too (--allow-loopback-urls)\n" if args.allow_loopback_urls else ""
    )
    print(
        "\nmedialib local stack is up (moto, provisioned from template.yaml)\n"
        f"  API base URL           {base_url}\n"
        f"  Delivery URL endpoint  {base_url}/{account.account_id}\n"
        f"  Account id             {account.account_id}\n"
        f"  Public key             {account.public_key}\n"
        f"  Private key            {account.private_key}\n"
        f"{loopback}"
        f"{stack.aws_banner()}"
        "Try: ImageKit(private_key=..., base_url=...) or curl -u PRIVATE_KEY: "
        f"{base_url}/v1/files\n",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


def _invoke(args: argparse.Namespace) -> int:
    """Like `sam local invoke`: the function's logs go to stderr, its result alone to stdout."""
    event = _read_event(args.event)
    result_out, sys.stdout = sys.stdout, sys.stderr
    stack = _stack(args, "http://127.0.0.1:3000")
    stack.start(schedules=False)
    try:
        function_id = _function_id(stack.spec.functions, args.function)
        try:
            result = stack.functions.invoke(function_id, event)
        except FunctionError as err:
            print(json.dumps(err.payload()), file=result_out)
            return 1
        print(json.dumps(result), file=result_out)
        return 0
    finally:
        stack.stop()


def _replay_dlq(args: argparse.Namespace) -> int:
    """Exit 0 when every message was replayed (or listed), 1 when one failed again or was of no known kind."""
    import boto3  # noqa: PLC0415 - not needed by the local commands' start
    from botocore.config import Config  # noqa: PLC0415

    from medialib_local.replay import queue_url_of_stack, replay  # noqa: PLC0415

    options: dict[str, Any] = {"endpoint_url": args.endpoint_url, "region_name": args.region}
    # A replay waits for the function's answer: the sweep may run 900 s; a retry would run the event twice.
    invoke_config = Config(read_timeout=960, connect_timeout=10, retries={"total_max_attempts": 1})
    sqs = boto3.client("sqs", **options)
    lam = boto3.client("lambda", config=invoke_config, **options)
    queue_url = args.queue_url or queue_url_of_stack(boto3.client("cloudformation", **options), args.stack_name)
    summary = replay(sqs, lam, queue_url, dry_run=args.dry_run)
    print(
        f"{len(summary.replayed)} replayed, {len(summary.failed)} failed again, {len(summary.unknown)} unknown"
        + (f", {len(summary.listed)} listed (dry run)" if args.dry_run else ""),
        flush=True,
    )
    return 1 if summary.failed or summary.unknown else 0


def _read_event(path: Path | None) -> Any:
    """The event of ``-e``: a missing or unreadable file, or one that is not JSON, is a one-line error (exit 2,
    a usage error, as argparse exits), checked before the stack starts."""
    if path is None:
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        _usage_error(f"cannot read the event file {str(path)!r}: {err.strerror or err}")
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        detail = (
            f"{err.msg} at line {err.lineno}, column {err.colno}"
            if isinstance(err, json.JSONDecodeError)
            else "not UTF-8"
        )
        _usage_error(f"the event file {str(path)!r} is not JSON ({detail})")


def _usage_error(message: str) -> NoReturn:
    print(f"medialib local invoke: error: {message}", file=sys.stderr)
    sys.exit(2)


def _function_id(functions: dict[str, Any], name: str) -> str:
    if name in functions:
        return name
    candidates = [lid for lid in functions if lid.lower() in {name.lower(), f"{name.lower()}function"}]
    if len(candidates) != 1:
        sys.exit(f"unknown function {name!r}; the template has: {', '.join(sorted(functions))}")
    return candidates[0]
