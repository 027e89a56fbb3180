"""The offline provider's drawing code: geometry, palette, characters, props,
page composition (the compose package) and rasterizing (render)."""
