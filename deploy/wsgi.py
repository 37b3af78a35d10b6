"""The WSGI entry point inside the image (the repository's app.py is not in the wheel)."""
from portal import create_app

app = create_app()
