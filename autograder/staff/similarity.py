"""Which submissions of a homework look copied from each other: a lead for staff, never a grade.

Two signals, for every pair of submissions:
  identical files   an allow-listed file that is byte-for-byte the same in both;
  near-identical    functions whose code is the same once comments, docstrings, whitespace and
                    the names of local variables are normalised.
What every submission shares with the blank stub (the given code, the unattempted functions) is
left out of both, and so are functions shorter than MIN_FUNCTION_TOKENS normalised tokens: a
one-line answer is the same in every correct submission and tells nothing.

Near-identical code is found per function, so the cost grows with the number of pairs that share
something, not with the number of pairs: each function's normalised token stream is hashed once
(`tokenize` for the tokens, `ast` to know which names are the function's own), submissions are
grouped by hash, and only pairs inside a group are scored. A pair's score is the share of the
smaller submission's attempted code (in tokens) that the other holds too.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import keyword
import tokenize
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

MIN_FUNCTION_TOKENS = 25  # about three short lines: shorter answers coincide without copying
REPORT_SCORE = 0.5  # pairs sharing at least this share of the smaller submission's code are listed
_LAYOUT = {tokenize.NEWLINE: "<nl>", tokenize.INDENT: "<in>", tokenize.DEDENT: "<de>"}
_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass(frozen=True)
class Function:
    """One function's normalised code: where it is, its hash and its length in tokens."""

    where: str  # "file.py:qualname"
    digest: str
    tokens: int


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    identical_files: tuple[str, ...]
    score: float  # shared tokens / attempted tokens of the smaller of the two, in [0, 1]
    shared_functions: tuple[str, ...]  # "file.py:qualname" of a, in order


def _functions(tree: ast.Module) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualname, node) of every module-level function and method (nested ones are part of theirs)."""
    stack: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while stack:
        prefix, body = stack.pop()
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield prefix + node.name, node
            elif isinstance(node, ast.ClassDef):
                stack.append((f"{prefix}{node.name}.", node.body))


def _own_names(node: ast.AST) -> set[str]:
    """Names the function binds itself (arguments, assignments, loops, inner defs, imports)."""
    names: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.arg):
            names.add(sub.arg)
        elif isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
            names.add(sub.name)
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, ast.alias):
            names.add((sub.asname or sub.name).split(".")[0])
    return names


def _body_tokens(tokens: list[tokenize.TokenInfo], node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The function's body (signature and docstring excluded) as normalised token strings."""
    body = node.body[1:] if ast.get_docstring(node, clean=False) is not None else node.body
    if not body:
        return []
    start, end = (body[0].lineno, body[0].col_offset), (node.end_lineno, node.end_col_offset)
    own = _own_names(node)
    renamed: dict[str, str] = {}
    kept: list[tokenize.TokenInfo] = [t for t in tokens if t.type not in _SKIPPED and start <= t.start and t.end <= end]
    out: list[str] = []
    depth, in_header, skip_newline = 0, False, False
    for i, tok in enumerate(kept):
        before = kept[i - 1] if i else None
        after = kept[i + 1] if i + 1 < len(kept) else None
        if tok.type == tokenize.STRING and (before is None or before.type in _LAYOUT) and (
                after is None or after.type == tokenize.NEWLINE):
            skip_newline = True  # a string standing alone as a statement: a docstring or a comment
            continue
        if skip_newline:
            skip_newline = False
            if tok.type == tokenize.NEWLINE:
                continue
        if tok.type == tokenize.OP:
            depth += tok.string in ("(", "[", "{")
            depth -= tok.string in (")", "]", "}")
            in_header = in_header and not (tok.string == ":" and depth == 0)
        text = _LAYOUT.get(tok.type, tok.string)
        if tok.type == tokenize.NAME and not keyword.iskeyword(tok.string) and tok.string in own:
            attribute = before is not None and before.string == "."
            keyword_argument = (depth > 0 and not in_header and after is not None and after.string == "="
                                and before is not None and before.string in ("(", ","))
            if not attribute and not keyword_argument:
                text = renamed.setdefault(tok.string, f"_v{len(renamed)}")
        in_header = in_header or (tok.type == tokenize.NAME and tok.string == "def")
        out.append(text)
    return out


def normalised_functions(file: str, source: bytes) -> list[Function]:
    """Every function of `source` with its normalised hash; [] when it does not parse."""
    try:
        tree = ast.parse(source)
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (SyntaxError, ValueError, tokenize.TokenError):
        return []
    found = []
    for qualname, node in _functions(tree):
        body = _body_tokens(tokens, node)
        digest = hashlib.sha256("\x1f".join(body).encode()).hexdigest()
        found.append(Function(f"{file}:{qualname}", digest, len(body)))
    return found


def find_similar(submissions: dict[str, dict[str, bytes]], stub: dict[str, bytes]) -> list[Pair]:
    """Pairs of submissions with identical files or near-identical code, most similar first.

    submissions: submission id -> {allow-listed file name -> content taken by intake}.
    stub: the blank stub's files, whose content and functions never count as shared.
    """
    stub_files = {name: hashlib.sha256(data).hexdigest() for name, data in stub.items()}
    stub_functions = {f.digest for name, data in stub.items() for f in normalised_functions(name, data)}
    same_file: dict[tuple[str, str], list[str]] = defaultdict(list)
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)
    attempted: dict[str, dict[str, Function]] = {}
    for sid in sorted(submissions):
        own: dict[str, Function] = {}
        for name, data in sorted(submissions[sid].items()):
            digest = hashlib.sha256(data).hexdigest()
            if digest != stub_files.get(name):
                holders[(name, digest)].append(sid)
            for function in normalised_functions(name, data):
                if function.digest not in stub_functions and function.tokens >= MIN_FUNCTION_TOKENS:
                    own.setdefault(function.digest, function)
        attempted[sid] = own
    for (name, _), sids in holders.items():
        for a, b in combinations(sids, 2):
            same_file[(a, b)].append(name)
    by_digest: dict[str, list[str]] = defaultdict(list)
    for sid, own in attempted.items():
        for digest in own:
            by_digest[digest].append(sid)
    shared: dict[tuple[str, str], list[str]] = defaultdict(list)
    for digest, sids in by_digest.items():
        for a, b in combinations(sids, 2):
            shared[(a, b)].append(digest)
    pairs = []
    for key in sorted(set(same_file) | set(shared)):
        a, b = key
        common = shared.get(key, [])
        smaller = min(sum(f.tokens for f in attempted[s].values()) for s in key)
        score = sum(attempted[a][d].tokens for d in common) / smaller if smaller else 0.0
        if same_file.get(key) or score >= REPORT_SCORE:
            pairs.append(Pair(a, b, tuple(sorted(same_file.get(key, []))), round(score, 3),
                              tuple(sorted(attempted[a][d].where for d in common))))
    return sorted(pairs, key=lambda p: (-len(p.identical_files), -p.score, p.a, p.b))


def write_similarity(pairs: list[Pair], path: Path) -> None:
    """similarity.csv: one row per flagged pair (the header alone when nothing was flagged)."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission_a", "submission_b", "identical_files", "score", "shared_functions"])
        for p in pairs:
            writer.writerow([p.a, p.b, " ".join(p.identical_files), f"{p.score:.2f}", " ".join(p.shared_functions)])
