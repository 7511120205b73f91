"""Tasks built on the plugin."""
