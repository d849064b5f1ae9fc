"""The Docker-free local stack: moto provisioned from template.yaml, the real handlers served in-process."""
