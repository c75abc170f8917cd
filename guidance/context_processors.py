from .selectors import guidance_current


def current_guidance(request):
    """The published version, for the footer; evaluated only if a template uses it."""
    return {"current_guidance": guidance_current}
