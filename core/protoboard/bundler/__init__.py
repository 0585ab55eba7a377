"""Building Adafruit-format bundles (zips + JSON metadata) from ``bundles/*.toml`` manifests."""
