"""The FilesFunction's routes, one Router per resource group. Lambda puts the function's directory (its
CodeUri) first on sys.path, so ``app.py`` imports this package as ``routes``; the local stack does the same."""
