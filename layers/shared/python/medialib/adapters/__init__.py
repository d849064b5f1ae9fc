"""The only code that calls AWS. Each adapter returns domain models and translates ClientError codes."""
