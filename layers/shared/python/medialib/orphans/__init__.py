"""The orphan sweep: objects of the originals bucket that no version record points to, deleted on a schedule."""
