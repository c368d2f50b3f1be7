"""A griffe extension for the API reference: doctest examples as code blocks.

fastbal's docstrings are Markdown prose with doctest examples (`>>>` lines
and their output) anywhere in the text, not only in an "Examples" section.
Markdown would join such lines into one paragraph, so each run of lines that
starts at a `>>>` line and ends at the next blank line (where a doctest
example ends) is wrapped in a ``pycon`` code fence before rendering. Fenced
and indented blocks are left as they are.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap every doctest example of a docstring in a ``pycon`` code fence.

    >>> fence_doctests("Counts:\\n\\n>>> 1 + 1\\n2\\n\\nDone.").splitlines()
    ['Counts:', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'Done.']
    """
    out: list[str] = []
    in_fence = False
    in_example = False
    indent = ""
    for line in text.split("\n"):
        stripped = line.lstrip()
        if in_example:
            if stripped:
                out.append(line)
                continue
            out.append(f"{indent}```")
            in_example = False
        if stripped.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_example = True
        out.append(line)
    if in_example:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctest examples of every docstring griffe loads."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
