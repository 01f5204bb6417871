"""The Flask service: HTTP in, HTTP out."""
