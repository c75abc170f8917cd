"""The words of a paragraph that a rule rests on: finding them, and marking them on a page.

Pure: text in, text or markup out. A quote is verbatim from its paragraph,
whitespace aside, so both are compared with runs of white space folded to one
space. Marking works on the sanitised HTML of the paragraph: the quote's words
are found with any white space between them and wrapped in <mark>; where the
markup splits the words (a link, emphasis), nothing is marked rather than
something wrong.
"""

import html
import re

from django.utils.safestring import mark_safe

from core import caches

from .markdown import render_markdown

# A sentence ends at . ! or ? followed by white space and a capital, a digit or an opening bracket.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def normalise(text):
    """White space folded, so a quote matches across the paragraph's line breaks."""
    return " ".join((text or "").split())


def quote_in_text(quote, text):
    quote = normalise(quote)
    return bool(quote) and quote in normalise(text)


def sentences(text):
    """The paragraph's sentences, white space folded, in order."""
    folded = normalise(text)
    return _SENTENCE_END.split(folded) if folded else []


@caches.memo("guidance.quote_sentences", size=2048)
def quote_sentences(text, quote):
    """The 1-based numbers of the sentences the quote lies in (empty when it is not in the text)."""
    folded, quote = normalise(text), normalise(quote)
    start = folded.find(quote) if quote else -1
    if start < 0:
        return ()
    end = start + len(quote)
    numbers, position = [], 0
    for number, sentence in enumerate(sentences(text), start=1):
        begin = folded.find(sentence, position)
        finish = begin + len(sentence)
        if begin < end and finish > start:
            numbers.append(number)
        position = finish
    return tuple(numbers)


def sentence_anchor(slug, number):
    return f"{slug}--s{number}"


def quote_anchor(slug, text, quote):
    """Where a rule's source link lands: the sentence its quote starts in, else the paragraph.

    Only a sentence the guidance page can mark has an anchor (mark_sentences):
    one whose words Markdown markup splits links to its paragraph instead.
    """
    numbers = quote_sentences(text or "", quote or "")
    if not numbers or not _sentence_markable(text, numbers[0]):
        return slug
    return sentence_anchor(slug, numbers[0])


@caches.memo("guidance.sentence_markable", size=2048)
def _sentence_markable(text, number):
    sentence = sentences(text)[number - 1]
    return bool(_words_pattern(sentence.split()).search(str(render_markdown(text))))


# A tag, its quoted attribute values whole (a value may hold ">").
_TAG = re.compile(r"""(<(?:[^>"']|"[^"]*"|'[^']*')*>)""")


def _sub_in_text(pattern, replace, markup):
    """The first match of `pattern` in the markup's text, never inside a tag (a link's title), replaced:
    (markup, 1), or (markup, 0) when the text has no match."""
    parts = _TAG.split(markup)
    for i in range(0, len(parts), 2):  # even parts are text, odd ones tags
        parts[i], found = pattern.subn(replace, parts[i], count=1)
        if found:
            return "".join(parts), 1
    return markup, 0


def _words_pattern(words):
    """A pattern for these words in HTML text, any white space between them."""
    return re.compile(r"\s+".join(re.escape(html.escape(word, quote=False)) for word in words))


@caches.memo("guidance.mark_quote", size=2048)
def mark_quote(paragraph_html, quote):
    """The paragraph's HTML with the quote's words wrapped in <mark class="quote">."""
    words = normalise(quote).split()
    if not words:
        return paragraph_html
    marked, found = _sub_in_text(
        _words_pattern(words), lambda match: f'<mark class="quote">{match.group(0)}</mark>', str(paragraph_html)
    )
    return mark_safe(marked) if found else paragraph_html  # noqa: S308 - the input is sanitised HTML


@caches.memo("guidance.mark_sentences", size=512)
def mark_sentences(paragraph_html, text, slug, quotes):
    """The paragraph's HTML with every sentence that some quote lies in marked and given its anchor.

    `quotes` is a tuple of the quotes of the rules citing the paragraph.
    """
    numbers = sorted({number for quote in quotes for number in quote_sentences(text, quote)})
    marked = str(paragraph_html)
    all_sentences = sentences(text)
    for number in numbers:
        pattern = _words_pattern(all_sentences[number - 1].split())
        anchor = sentence_anchor(slug, number)
        marked, _ = _sub_in_text(
            pattern, lambda match, anchor=anchor: f'<mark class="quoted" id="{anchor}">{match.group(0)}</mark>', marked
        )
    return mark_safe(marked)  # noqa: S308 - the input is sanitised HTML; only <mark> is added
