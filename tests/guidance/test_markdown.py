"""Guidance text is Markdown an editor writes: nothing in it may run in a reader's browser."""

from html.parser import HTMLParser

import pytest

from guidance.markdown import render_markdown
from guidance.models import Paragraph


def html(text):
    return str(render_markdown(text))


class _Elements(HTMLParser):
    """The elements a browser would build from the markup, with their attributes."""

    def __init__(self, markup):
        super().__init__()
        self.found = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def tags(rendered):
    return {tag for tag, _ in _Elements(rendered).found}


def attributes(rendered):
    return {name for _, attrs in _Elements(rendered).found for name in attrs}


def hrefs(rendered):
    return [attrs["href"] for tag, attrs in _Elements(rendered).found if "href" in attrs]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "Before <script src='https://evil.example/x.js'></script> after",
        "<scr<script>ipt>alert(1)</script>",
        "<SCRIPT>alert(1)</SCRIPT>",
    ],
)
def test_it_neutralises_script_tags(text):
    rendered = html(text)

    assert "script" not in tags(rendered)
    assert "&lt;" in rendered


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click]( javascript:alert(1))",
        "[click](<javascript:alert(1)>)",
        "[click](&#106;avascript:alert(1))",
        "[click](&#x6A;avascript:alert(1))",
        "[click](java&#9;script:alert(1))",
        "[click](java&#x0A;script:alert(1))",
        "[click](\x01javascript:alert(1))",
        "[click](vbscript:msgbox(1))",
        "[ref]: javascript:alert(1)\n\n[click][ref]",
    ],
)
def test_it_drops_javascript_links_but_keeps_their_text(text):
    rendered = html(text)

    assert hrefs(rendered) == []
    assert "click" in rendered


@pytest.mark.parametrize(
    "text",
    [
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    ],
)
def test_it_drops_data_urls(text):
    assert "data:" not in "".join(hrefs(html(text)))
    assert "src=" not in html(text)


@pytest.mark.parametrize(
    "text",
    [
        '<a href="https://example.org" onclick="alert(1)">link</a>',
        '<div onmouseover="alert(1)">hover</div>',
        "<svg onload=alert(1)>",
        "<body onload=alert(1)>",
        '[x](https://ok.example "a\\" onmouseover=\\"alert(1)")',
    ],
)
def test_it_neutralises_event_handler_attributes(text):
    rendered = html(text)

    assert not {name for name in attributes(rendered) if name.startswith("on")}


@pytest.mark.parametrize(
    "text",
    ["<img src=x onerror=alert(1)>", '![a](x" onerror="alert(1))', "![a](https://example.org/a.png)"],
)
def test_it_renders_no_images(text):
    rendered = html(text)

    assert "img" not in tags(rendered)
    assert "onerror" not in attributes(rendered)


@pytest.mark.parametrize(
    "text",
    [
        '<iframe src="https://evil.example"></iframe>',
        '<object data="x.swf"></object>',
        '<embed src="x.swf">',
        '<form action="https://evil.example"><input name="password"></form>',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        "<style>body { display: none }</style>",
    ],
)
def test_it_neutralises_embedded_content_forms_and_styles(text):
    rendered = html(text)

    assert tags(rendered) <= {"p"}


@pytest.mark.parametrize(
    "text", ['<p style="color: red">red</p>', '<span style="background:url(javascript:alert(1))">x</span>']
)
def test_it_drops_style_attributes(text):
    assert "style" not in attributes(html(text))


def test_it_keeps_ordinary_markdown():
    rendered = html(
        "**Bold** and *emphasis* with `code`.\n\n"
        "- first\n- second\n\n"
        "Paragraph.\n\n"
        "1. one\n2. two\n\n"
        "> quoted\n\n"
        "[NIH](https://www.ncbi.nlm.nih.gov/ 'PubMed') or <https://example.org> or [mail](mailto:a@example.org)"
    )

    assert "<strong>Bold</strong>" in rendered
    assert "<em>emphasis</em>" in rendered
    assert "<code>code</code>" in rendered
    assert "<ul>\n<li>first</li>\n<li>second</li>\n</ul>" in rendered
    assert "<ol>\n<li>one</li>\n<li>two</li>\n</ol>" in rendered
    assert "<blockquote>" in rendered
    assert hrefs(rendered) == ["https://www.ncbi.nlm.nih.gov/", "https://example.org", "mailto:a@example.org"]
    assert 'title="PubMed"' in rendered


def test_links_do_not_hand_the_page_to_the_site_they_open():
    rendered = html("[site](https://example.org)")

    assert 'rel="noopener noreferrer"' in rendered


def test_the_source_wording_survives_rendering():
    text = "Antihistamines (H1 & H2) help with abdominal pain, heartburn, cramping, and/or diarrhea."

    assert (
        html(text)
        == "<p>Antihistamines (H1 &amp; H2) help with abdominal pain, heartburn, cramping, and/or diarrhea.</p>"
    )


def test_a_paragraph_renders_its_text_through_the_sanitiser():
    paragraph = Paragraph(slug="flushing", text="Aspirin <script>alert(1)</script> [x](javascript:alert(1))")

    assert "script" not in tags(str(paragraph.html))
    assert hrefs(str(paragraph.html)) == []
