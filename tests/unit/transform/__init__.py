"""The transformation grammar, the geometry of crops and the Pillow engine, checked on generated images."""
