"""Image transformations shared by delivery and upload: ``parse`` (the URL grammar, pure), ``geometry`` (sizes and
boxes, pure) and ``engine`` (Pillow, imported lazily by the functions that carry the image layer)."""
