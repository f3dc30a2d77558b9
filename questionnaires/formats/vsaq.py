"""Google VSAQ questionnaire templates (JSON with JavaScript habits).

The files are not strict JSON: they start with `//` comment lines and join long strings JavaScript-style
(`"..." +` at a line end, the next string on the following line). `_to_json` rewrites exactly those two
habits (and `/* */` comments) while leaving string contents alone, then `json.loads` does the rest.

Questions are items of type radiogroup, checkgroup, line or box with non-empty text, found in nested
`items` (blocks, conditional items) in document order. The ref is the item's `id`, or `@` + the id of its
first choice when it has none. Slots: sheet "", cell = the item's id (the ref for id-less items), kind
"choice" with `choices` = choice ids (what VSAQ stores) and `choice_labels` = their texts for radio and
check groups, "text" for line and box.
"""

import html
import json
import re
from pathlib import PurePosixPath

from .parsed import AnswerSlot, ParsedQuestion, ParsedQuestionnaire, QuestionnaireFileError

QUESTION_TYPES = ("radiogroup", "checkgroup", "line", "box")
CHOICE_TYPES = ("radiogroup", "checkgroup")
MAX_DEPTH = 100
_TAG = re.compile(r"<[^>]*>")


def parse(filename: str, data: bytes) -> ParsedQuestionnaire:
    """Every question item of a VSAQ template, in document order; raises QuestionnaireFileError if unreadable."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise QuestionnaireFileError("This JSON file is not UTF-8 text.") from exc
    try:
        document = json.loads(_to_json(text))
    except (ValueError, RecursionError) as exc:
        raise QuestionnaireFileError(f"This JSON file could not be read: {exc}".rstrip(".") + ".") from exc
    if not isinstance(document, dict) or not isinstance(document.get("questionnaire"), list):
        raise QuestionnaireFileError('This JSON file is not a VSAQ questionnaire (it has no "questionnaire" list).')
    questions: list[ParsedQuestion] = []
    _walk(document["questionnaire"], section="", depth=0, questions=questions)
    stem = PurePosixPath(filename.replace("\\", "/")).stem
    title = re.sub(r"^vsaq[_ -]*", "", stem, flags=re.IGNORECASE).replace("_", " ").strip() or stem
    return ParsedQuestionnaire(format="vsaq", format_label=f"VSAQ ({title})", questions=questions)


def _walk(items: list, *, section: str, depth: int, questions: list[ParsedQuestion]) -> None:
    if depth > MAX_DEPTH:
        raise QuestionnaireFileError("This VSAQ file nests its blocks too deeply to be a questionnaire.")
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        text = _plain(item.get("text"))
        if kind in QUESTION_TYPES and text:
            question = _question(item, kind, text, section, len(questions))
            if question:
                questions.append(question)
        children = item.get("items")
        if isinstance(children, list):
            heading = text if kind == "block" and text else section
            _walk(children, section=heading, depth=depth + 1, questions=questions)


def _question(item: dict, kind: str, text: str, section: str, order: int) -> ParsedQuestion | None:
    choices: list[tuple[str, str]] = []
    for choice in item.get("choices") or []:
        if isinstance(choice, dict):
            choices.extend((str(key), _plain(label)) for key, label in choice.items())
    item_id = str(item.get("id") or "")
    ref = item_id or (f"@{choices[0][0]}" if choices else "")
    if not ref:
        return None
    is_choice = kind in CHOICE_TYPES
    slot = AnswerSlot(
        role="answer",
        sheet="",
        cell=item_id or ref,
        kind="choice" if is_choice else "text",
        choices=[key for key, _ in choices] if is_choice else [],
        choice_labels=[label for _, label in choices] if is_choice else [],
    )
    return ParsedQuestion(ref=ref, text=text, section=section, order=order, slots=[slot])


def _plain(value) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def _to_json(text: str) -> str:
    """Strict JSON from VSAQ's dialect: comments dropped, `"a" + "b"` joined into one string."""
    out: list[str] = []
    position, length = 0, len(text)
    while position < length:
        char = text[position]
        if char == '"':
            end = _string_end(text, position)
            literal = text[position + 1 : end]
            position = end + 1
            while True:
                after = _skip_blank(text, position)
                if after < length and text[after] == "+":
                    nxt = _skip_blank(text, after + 1)
                    if nxt < length and text[nxt] == '"':
                        end = _string_end(text, nxt)
                        literal += text[nxt + 1 : end]
                        position = end + 1
                        continue
                break
            out.append(f'"{literal}"')
        elif text.startswith("//", position) or text.startswith("/*", position):
            position = _skip_blank(text, position)
        else:
            out.append(char)
            position += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    position = start + 1
    while position < len(text):
        if text[position] == "\\":
            position += 2
        elif text[position] == '"':
            return position
        else:
            position += 1
    raise QuestionnaireFileError("This JSON file has a string that never ends.")


def _skip_blank(text: str, position: int) -> int:
    """The index of the next character that is neither whitespace nor inside a comment."""
    while position < len(text):
        if text[position].isspace():
            position += 1
        elif text.startswith("//", position):
            newline = text.find("\n", position)
            position = len(text) if newline < 0 else newline + 1
        elif text.startswith("/*", position):
            close = text.find("*/", position + 2)
            position = len(text) if close < 0 else close + 2
        else:
            break
    return position
