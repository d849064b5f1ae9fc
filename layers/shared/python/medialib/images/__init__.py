"""img-processing.com compatibility (docs/img-processing.md): its Image object over a medialib file, its error body,
and the image routes' use cases (get, download, publish, unpublish)."""
