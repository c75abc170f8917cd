"""Small helpers the apps share, below every app: pure Python, importing no app and no Django."""
