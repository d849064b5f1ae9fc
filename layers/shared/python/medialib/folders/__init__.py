"""Folders: create and delete one, and the bulk jobs that copy, move, rename or delete a folder's tree."""
