"""Upload: the multipart form, its rules, and the pipeline that stores a file's bytes as a version."""
