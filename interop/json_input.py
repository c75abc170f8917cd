"""Reading a JSON request body that anyone may send: bounded in size and depth, valid Unicode, or a sentence why not.

Python's parser recurses once per level of nesting, and so does the code
that walks what it returns (interop.mapping): a body nested a thousand
levels deep raised RecursionError, a 500 (issue 24). The depth is measured
first, by a scan that does not recurse. A lone UTF-16 surrogate ("\\ud800")
parses into a string no database can store, so it is refused too.
"""

import json
import re
from itertools import accumulate

MAX_DEPTH = 40  # a CDS Hooks body with FHIR resources and extensions inside is about 12 deep
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class JsonBodyError(ValueError):
    """Why the body cannot be read, as a sentence for the caller."""


def json_depth(raw):
    """How deeply the JSON text's arrays and objects nest (brackets inside strings do not count)."""
    steps = [1 if bracket in b"[{" else -1 for bracket in _BRACKETS.findall(_STRING.sub(b"", raw))]
    return max(accumulate(steps), default=0)


def json_body_read(raw, *, max_bytes, max_depth=MAX_DEPTH):
    """The JSON object in `raw` (bytes); JsonBodyError with a sentence when it is too large, too deep or not JSON."""
    if len(raw) > max_bytes:
        raise JsonBodyError(f"The request body is too large: at most {max_bytes:,} bytes.")
    if json_depth(raw) > max_depth:
        raise JsonBodyError(f"The request body is nested too deeply: at most {max_depth} levels of arrays and objects.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JsonBodyError("The request body is not JSON.") from None
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonBodyError(
            "The request body holds an unpaired UTF-16 surrogate (such as \\ud800): not valid text."
        ) from None
    if not isinstance(body, dict):
        raise JsonBodyError("The request body must be a JSON object.")
    return body
