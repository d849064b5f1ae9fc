"""``medialib accounts create | list | rotate-key | disable | enable``: the accounts of a deployed stack (by its
name: its CloudFormation outputs ``TableName`` and ``AccountKeysKeyArn``) or of the local stack (by the table and
key that ``medialib local start-api`` prints, on its moto endpoint).

Every rule is the layer's (``medialib.accounts.service``): this module reads the arguments, points the layer at the
stack (``TABLE_NAME``, ``ACCOUNT_KEYS_KMS_KEY``, ``AWS_ENDPOINT_URL``) and prints. A private key is printed once,
by ``create`` and ``rotate-key``, and nowhere else; an error is one line on stderr and exit code 1 (2: a usage
error), never a traceback. docs/keys.md has the IAM permissions the operator's identity needs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

TABLE_OUTPUT = "TableName"
KEY_OUTPUT = "AccountKeysKeyArn"
USAGE_PLAN_OUTPUT = "UsagePlanId"
PROG = "medialib accounts"


@dataclass(frozen=True)
class Target:
    """Where the accounts are: the stack's table and KMS key, and how AWS is reached."""

    table_name: str
    kms_key_arn: str | None
    endpoint_url: str | None = None
    region: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)  # the stack's outputs (empty for --table-name)
    usage_plan_id: str | None = None  # where a new account's API key goes (docs/limits.md)


class CommandError(Exception):
    """A one-line error for the operator (exit code 1)."""


# ------------------------------------------------------------------ arguments


def _grace_period(text: str) -> int:
    from medialib.accounts.rules import grace_period  # noqa: PLC0415 - the layer's rule, imported when used

    try:
        return grace_period(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_parser(commands: Any) -> None:
    """``medialib accounts ...`` on the top-level parser's subcommands."""
    where = argparse.ArgumentParser(add_help=False)
    stack = where.add_argument_group("which stack (one of --stack-name, --table-name)")
    chosen = stack.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--stack-name", help="a deployed stack: its outputs TableName and AccountKeysKeyArn")
    chosen.add_argument(
        "--table-name", help="the table itself, e.g. the local stack's (medialib local start-api prints it)"
    )
    stack.add_argument("--kms-key-arn", help="with --table-name: the accounts' KMS key (AccountKeysKeyArn)")
    stack.add_argument("--usage-plan-id", help="with --table-name: the stack's usage plan (UsagePlanId)")
    stack.add_argument("--endpoint-url", help="another AWS endpoint, e.g. the local stack's moto endpoint")
    stack.add_argument("--region", help="default: boto3's (AWS_REGION, the profile)")
    where.add_argument("--json", action="store_true", help="print JSON")

    accounts = commands.add_parser(
        "accounts",
        help="create, list, rotate the key of, disable or enable the accounts of a stack",
        description="Manage the accounts of a deployed stack (--stack-name) or of the local stack (--table-name "
        "and --kms-key-arn with --endpoint-url, as `medialib local start-api` prints them). Credentials and region: "
        "boto3's usual chain. docs/keys.md.",
    )
    actions = accounts.add_subparsers(dest="action", required=True)
    create = actions.add_parser(
        "create", parents=[where], help="a new account; prints its id, public key and private key once"
    )
    create.add_argument("--account-id", help="the URL endpoint id (a-z, 0-9, _ and -); default: 16 random hex")
    actions.add_parser("list", parents=[where], help="every account, never a private key")
    rotate = actions.add_parser(
        "rotate-key", parents=[where], help="a new private key, printed once; the old one works for a grace period"
    )
    rotate.add_argument("account_id")
    rotate.add_argument(
        "--grace-period",
        type=_grace_period,
        default="24h",
        help="how long the replaced key still works: seconds, or e.g. 90m, 24h, 7d (default 24h, at most 30d; "
        "0 ends it at once)",
    )
    for name, what in (
        ("disable", "refuse the account everywhere"),
        ("enable", "let a disabled account in again (and give it its API key in the usage plan)"),
    ):
        action = actions.add_parser(name, parents=[where], help=what)
        action.add_argument("account_id")


# ------------------------------------------------------------------ the stack


def resolve(args: argparse.Namespace, cloudformation: Callable[[], Any]) -> Target:
    """The target of the arguments; a stack's from its outputs (one DescribeStacks)."""
    if args.table_name:
        return Target(
            args.table_name, args.kms_key_arn, args.endpoint_url, args.region, usage_plan_id=args.usage_plan_id
        )
    if args.kms_key_arn or args.usage_plan_id:
        raise CommandError(
            "--kms-key-arn and --usage-plan-id go with --table-name; a stack's are its AccountKeysKeyArn and "
            "UsagePlanId outputs"
        )
    outputs = stack_outputs(cloudformation(), args.stack_name)
    if TABLE_OUTPUT not in outputs:
        raise CommandError(f"stack {args.stack_name!r} has no {TABLE_OUTPUT} output: is it a medialib stack?")
    return Target(
        outputs[TABLE_OUTPUT],
        outputs.get(KEY_OUTPUT),
        args.endpoint_url,
        args.region,
        outputs,
        outputs.get(USAGE_PLAN_OUTPUT),
    )


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    from botocore.exceptions import ClientError  # noqa: PLC0415

    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ValidationError":
            raise CommandError(f"there is no stack {stack_name!r} (in this account and region)") from None
        raise
    return {str(o["OutputKey"]): str(o["OutputValue"]) for o in stack.get("Outputs") or []}


def use(target: Target) -> None:
    """Point the layer's settings and clients at the target (this process only)."""
    from medialib.adapters import clients  # noqa: PLC0415
    from medialib.observability import logger  # noqa: PLC0415
    from medialib.settings import clear_settings  # noqa: PLC0415

    os.environ["TABLE_NAME"] = target.table_name
    if target.kms_key_arn:
        os.environ["ACCOUNT_KEYS_KMS_KEY"] = target.kms_key_arn
    if target.endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = target.endpoint_url
    if target.region:
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = target.region
    clear_settings()
    clients.reset()
    handler = logger.registered_handler
    if hasattr(handler, "setStream"):
        handler.setStream(sys.stderr)  # the layer's log lines (no key in them) stay off the printed answer


# ------------------------------------------------------------------ the actions


def _attach(target: Target, account_id: str, *, turn_on: bool = False) -> None:
    """Give the account its API key in the stack's usage plan (idempotent): without it API Gateway answers its
    requests 403 (docs/limits.md). With ``turn_on`` (``enable``), a key that was turned off is turned on again.
    Warn when the target names no plan."""
    import boto3  # noqa: PLC0415

    from medialib_local.usage_plans import attach_account, set_account_enabled  # noqa: PLC0415

    if not target.usage_plan_id:
        print(
            "warning: no usage plan given (--usage-plan-id, or a stack without a UsagePlanId output): the account "
            "has no API key, and API Gateway answers its requests 403 until it is attached (docs/limits.md)",
            file=sys.stderr,
        )
        return
    apigateway = boto3.client("apigateway", endpoint_url=target.endpoint_url, region_name=target.region)
    attach_account(apigateway, target.usage_plan_id, account_id)
    if turn_on:
        set_account_enabled(apigateway, account_id, enabled=True)


def _create(args: argparse.Namespace, target: Target) -> int:
    from medialib.accounts import service  # noqa: PLC0415

    _need_key(target, "create")
    issued = service.create_account(args.account_id)
    account, private_key = issued.account, issued.private_key.get_secret_value()
    _show_created(args, account, private_key)  # first: the account exists, and its key is shown nowhere else
    try:
        _attach(target, account.account_id)
    except Exception as err:
        raise CommandError(
            f"the account {account.account_id} was created (its key is printed above) but not attached to the usage "
            f"plan ({_aws_reason(err)}): API Gateway answers it 403 until `medialib accounts enable "
            f"{account.account_id}` attaches it"
        ) from None
    return 0


def _show_created(args: argparse.Namespace, account: Any, private_key: str) -> None:
    if args.json:
        _print_json({"accountId": account.account_id, "publicKey": account.public_key, "privateKey": private_key})
    else:
        print(
            "Account created. Its private key is shown this once: keep it now (a lost key is replaced with "
            "rotate-key).\n"
            f"  Account id   {account.account_id}\n"
            f"  Public key   {account.public_key}\n"
            f"  Private key  {private_key}"
        )


def _list(args: argparse.Namespace, target: Target) -> int:
    from medialib.accounts import service  # noqa: PLC0415

    del target
    now = service.wall_clock()
    rows = [_row(account, now) for account in service.list_accounts()]
    if args.json:
        _print_json(rows)
        return 0
    columns = ("accountId", "publicKey", "status", "createdAt", "keyRotation")
    widths = [max([len(c), *(len(str(r[c] or "-")) for r in rows)]) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(row[c] or "-").ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    return 0


def _row(account: Any, now: float) -> dict[str, Any]:
    """What ``list`` shows of an account: never a key's secret, nor a digest."""
    if account.previous_key_until is None:
        rotation = None
    elif account.in_grace(now):
        rotation = f"previous key valid until {_iso(account.previous_key_until)}"
    else:
        rotation = f"rotated {_iso(account.key_rotated_at)}" if account.key_rotated_at else "rotated"
    return {
        "accountId": account.account_id,
        "publicKey": account.public_key,
        "status": "disabled" if account.disabled else "enabled",
        "createdAt": _iso(account.created_at),
        "keyRotation": rotation,
    }


def _rotate(args: argparse.Namespace, target: Target) -> int:
    from medialib.accounts import service  # noqa: PLC0415

    _need_key(target, "rotate-key")
    issued = service.rotate_key(args.account_id, args.grace_period)
    account, private_key = issued.account, issued.private_key.get_secret_value()
    # A grace period of 0 is stored as an end of 0 (1970): the previous key stopped at once, it works until no date.
    until = _iso(account.previous_key_until) if args.grace_period else None
    if args.json:
        _print_json({"accountId": account.account_id, "privateKey": private_key, "previousKeyValidUntil": until})
    else:
        print(
            "Key rotated. The new private key is shown this once: keep it now.\n"
            f"  Account id            {account.account_id}\n"
            f"  Private key           {private_key}\n"
            + (
                f"  Previous key works until {until} (grace period {args.grace_period} s)"
                if until
                else "  Previous key stopped working now (grace period 0)"
            )
        )
    return 0


def _set_disabled(args: argparse.Namespace, target: Target) -> int:
    from medialib.accounts import service  # noqa: PLC0415

    disabled = args.action == "disable"
    account = service.set_disabled(args.account_id, disabled)
    if not disabled:  # also how an account made before the stack had a usage plan gets its API key
        _attach(target, account.account_id, turn_on=True)
    if args.json:
        _print_json({"accountId": account.account_id, "status": "disabled" if disabled else "enabled"})
    elif disabled:
        print(
            f"Account {account.account_id} disabled: the API refuses its keys within the stack's "
            "AuthorizerCacheTtlSeconds, uploads and delivery within 30 s (docs/keys.md)."
        )
    else:
        print(f"Account {account.account_id} enabled.")
    return 0


_ACTIONS: dict[str, Callable[[argparse.Namespace, Target], int]] = {
    "create": _create,
    "list": _list,
    "rotate-key": _rotate,
    "disable": _set_disabled,
    "enable": _set_disabled,
}


def _need_key(target: Target, action: str) -> None:
    if not target.kms_key_arn:
        raise CommandError(
            f"{action} encrypts a private key: give --kms-key-arn (the AccountKeysKeyArn output) with --table-name"
        )


def _iso(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2))


# ------------------------------------------------------------------ running


def run(args: argparse.Namespace) -> int:
    """Exit code 0 on success, 1 with one line on stderr when the command could not be done."""
    import boto3  # noqa: PLC0415 - not needed by the local commands' start
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415
    from pydantic import ValidationError  # noqa: PLC0415

    from medialib.errors import MedialibError  # noqa: PLC0415

    def cloudformation() -> Any:
        return boto3.client("cloudformation", endpoint_url=args.endpoint_url, region_name=args.region)

    try:
        target = resolve(args, cloudformation)
        use(target)
        return _ACTIONS[args.action](args, target)
    except CommandError as err:
        return _fail(str(err))
    except MedialibError as err:
        return _fail(_medialib_reason(err))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "value"
        return _fail(f"{where}: {first['msg']}")
    except ClientError as err:
        error = err.response.get("Error", {})
        return _fail(f"AWS refused: {error.get('Code', '?')}: {error.get('Message', '')}")
    except BotoCoreError as err:
        return _fail(f"AWS could not be reached or used: {err}")


def _aws_reason(err: Exception) -> str:
    error = getattr(err, "response", {}).get("Error", {})
    return f"{error.get('Code', '?')}: {error.get('Message', '')}" if error else str(err)


def _medialib_reason(err: Exception) -> str:
    from medialib.errors import DEFAULT_HELP, InternalError, ServiceUnavailableError  # noqa: PLC0415

    if isinstance(err, ServiceUnavailableError | InternalError):
        return (
            "an AWS call failed (see the log line above for its error code): check the credentials, the region, "
            "--endpoint-url and the permissions in docs/keys.md"
        )
    message = getattr(err, "message", str(err))
    help_text = getattr(err, "help", "")
    return message if help_text == DEFAULT_HELP else f"{message} {help_text}".strip()


def _fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1
