"""The bare baseline of the cold-start benchmark: boto3 plus an S3 and a DynamoDB client, created at import.

This is what any Python function that talks to S3 and DynamoDB pays at init; each of our functions is
compared with it in the same run (see ``bench/coldstart/run.py``).
"""

from __future__ import annotations

from typing import Any

import boto3

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"buckets": s3.meta.region_name, "tables": dynamodb.meta.region_name}
