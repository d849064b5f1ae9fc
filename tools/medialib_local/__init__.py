"""The Docker-free local stack: moto provisioned from template.yaml, the real handlers served in-process."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
