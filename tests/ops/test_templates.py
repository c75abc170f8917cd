"""Our templates: every block a page of ours offers is filled by some page that extends it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
EXTENDS = re.compile(r"""{%\s*extends\s+["']([^"']+)["']\s*%}""")
BLOCK = re.compile(r"{%\s*block\s+(\w+)\s*%}")


def _our_templates():
    """Each template of ours by its name, from the project's directory and our apps' template directories."""
    folders = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
    return {
        path.relative_to(folder).as_posix(): path.read_text()
        for folder in folders
        if folder.is_dir() and ".venv" not in folder.parts and "node_modules" not in folder.parts
        for path in folder.rglob("*.html")
    }


def _descendants(children, names):
    """The templates that extend these, directly or through another."""
    found, queue = set(), list(names)
    while queue:
        name = queue.pop()
        if name not in found:
            found.add(name)
            queue += children.get(name, [])
    return found


def _source_elsewhere(name):
    """The text of a template that is not ours (Django's admin): the blocks a page of ours overrides there are
    not blocks it opens. A name we override too (admin/base_site.html) is read from beneath ours."""
    from django.template import engines

    engine = engines["django"].engine
    _, origin = engine.find_template(name)
    if origin.name.startswith(str(ROOT)) and ".venv" not in Path(origin.name).parts:
        _, origin = engine.find_template(name, skip=[origin])
    return Path(origin.name).read_text()


def _unfilled_blocks(templates):
    """The blocks a template of ours opens (not fills for its own parent) that no template below it fills."""
    parent_of = {name: match[1] for name, text in templates.items() if (match := EXTENDS.search(text))}
    children = {}
    for name, parent in parent_of.items():
        children.setdefault(parent, []).append(name)
    unfilled = []
    for parent, names in children.items():
        if parent not in templates:
            continue  # Django's admin templates: their blocks are not ours to prune.
        inherited, above = set(), parent_of.get(parent)
        # A template that extends its own name extends the one beneath it (Django's): read that one.
        ours = above != parent
        while above:
            text = templates[above] if ours and above in templates else _source_elsewhere(above)
            inherited |= set(BLOCK.findall(text))
            following = match[1] if (match := EXTENDS.search(text)) else None
            ours = following != above
            above = following
        filled = {block for name in _descendants(children, names) for block in BLOCK.findall(templates[name])}
        opened = set(BLOCK.findall(templates[parent])) - inherited
        unfilled += [f"{parent}: {block}" for block in opened if block not in filled]
    return sorted(unfilled)


def test_every_block_of_our_base_templates_is_filled_by_a_page():
    assert _unfilled_blocks(_our_templates()) == []


def test_the_check_names_a_block_no_page_fills():
    templates = {
        "base.html": "{% block title %}{% endblock %}{% block spare %}{% endblock %}",
        "section.html": '{% extends "base.html" %}{% block title %}S{% endblock %}{% block aside %}{% endblock %}',
        "page.html": '{% extends "section.html" %}{% block spare %}{% endblock %}',
        "admin_page.html": '{% extends "admin/base_site.html" %}{% block branding %}{% endblock %}',
    }
    # base's spare is filled two levels down; section fills base's title and opens aside, which nothing fills.
    assert _unfilled_blocks(templates) == ["section.html: aside"]
