"""The builds app: build records, their logs and artifacts, and the engine that runs them."""
