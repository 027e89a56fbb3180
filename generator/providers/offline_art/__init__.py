"""The offline provider's drawing code: geometry, palette, characters, props,
page composition (compose) and rasterizing (render)."""
