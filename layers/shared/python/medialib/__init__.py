"""medialib: an ImageKit-compatible media library on AWS serverless (the shared layer)."""
