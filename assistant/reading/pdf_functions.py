"""PDF functions (ISO 32000-1, 7.10): the tint transforms that turn a Separation or DeviceN tint into the colour it
shows, and the colour ramps of shadings. All four types are evaluated here: 0 (sampled), 2 (exponential),
3 (stitching) and 4 (PostScript calculator), so hidden_text can tell which colour a tint paints.

A file is hostile input: a calculator program's every token read and every operation run is charged to the page's
operator budget (the `tick` callable, which raises when the page is too complex), a program is parsed once a page
(`programs`), its stack is held to the 100 entries the standard allows, nesting is bounded, and a program longer
than MAX_PROGRAM_BYTES, or a sample table larger than MAX_SAMPLE_BYTES, is not inflated. Whatever cannot be
evaluated raises Unevaluable, and the caller falls back to rendering the colour."""

from __future__ import annotations

import math
import re

MAX_PROGRAM_BYTES = 65_536
MAX_SAMPLE_BYTES = 1_000_000
MAX_STACK = 100
MAX_DEPTH = 8


class Unevaluable(ValueError):
    """A function this module cannot evaluate (broken, unsupported or over a limit)."""


def evaluate(function, inputs: list[float], tick=None, depth: int = 0, programs: dict | None = None) -> list[float]:
    """The outputs of a PDF function (or an array of one-output functions, outputs concatenated) for `inputs`.
    `programs` keeps each calculator program parsed, by the function object's id (the caller holds the objects)."""
    if depth > MAX_DEPTH:
        raise Unevaluable("functions nested too deep")
    function = function.get_object() if hasattr(function, "get_object") else function
    if isinstance(function, list):
        return [v for f in function for v in evaluate(f, inputs, tick, depth + 1, programs)]
    if not hasattr(function, "get"):
        raise Unevaluable("not a function")
    kind = _int(function.get("/FunctionType"))
    domain = _numbers(function.get("/Domain")) or [0.0, 1.0] * len(inputs)
    x = [_clip(v, domain[2 * i], domain[2 * i + 1]) for i, v in enumerate(inputs[:len(domain) // 2])]
    if kind == 2:
        out = _exponential(function, x[0])
    elif kind == 3:
        out = _stitching(function, x[0], domain, tick, depth, programs)
    elif kind == 0:
        out = _sampled(function, x, domain)
    elif kind == 4:
        out = _calculator(function, x, tick, {} if programs is None else programs)
    else:
        raise Unevaluable(f"function type {kind}")
    bounds = _numbers(function.get("/Range"))
    if bounds:
        out = [_clip(v, bounds[2 * i], bounds[2 * i + 1]) if 2 * i + 1 < len(bounds) else v for i, v in enumerate(out)]
    return out


def _exponential(function, x: float) -> list[float]:
    c0 = _numbers(function.get("/C0")) or [0.0]
    c1 = _numbers(function.get("/C1")) or [1.0]
    n = _number(function.get("/N"), 1.0)
    try:
        power = x ** n
    except (ZeroDivisionError, OverflowError) as exc:
        raise Unevaluable(str(exc)) from exc
    if isinstance(power, complex):
        raise Unevaluable("negative base with a fractional exponent")
    return [a + power * (b - a) for a, b in zip(c0, c1)]


def _stitching(function, x: float, domain: list[float], tick, depth: int, programs) -> list[float]:
    functions = function.get("/Functions")
    functions = functions.get_object() if hasattr(functions, "get_object") else functions
    bounds = _numbers(function.get("/Bounds")) or []
    encode = _numbers(function.get("/Encode")) or []
    if not functions or len(bounds) != len(functions) - 1 or len(encode) < 2 * len(functions):
        raise Unevaluable("a stitching function out of shape")
    edges = [domain[0], *bounds, domain[1]]
    i = next((k for k, b in enumerate(bounds) if x < b), len(bounds))
    t = _interpolate(x, edges[i], edges[i + 1], encode[2 * i], encode[2 * i + 1])
    return evaluate(functions[i], [t], tick, depth + 1, programs)


def _sampled(function, x: list[float], domain: list[float]) -> list[float]:
    sizes = [int(s) for s in _numbers(function.get("/Size"))]
    bits = _int(function.get("/BitsPerSample"))
    out_range = _numbers(function.get("/Range"))
    if not sizes or len(sizes) != len(x) or bits not in (1, 2, 4, 8, 12, 16, 24, 32) or not out_range \
            or any(s < 1 for s in sizes):
        raise Unevaluable("a sampled function out of shape")
    n = len(out_range) // 2
    encode = _numbers(function.get("/Encode")) or [v for s in sizes for v in (0.0, s - 1.0)]
    decode = _numbers(function.get("/Decode")) or out_range
    data = bounded_data(function, math.prod(sizes) * n * bits // 8 + 1, MAX_SAMPLE_BYTES)
    e = [_clip(_interpolate(v, domain[2 * i], domain[2 * i + 1], encode[2 * i], encode[2 * i + 1]), 0, sizes[i] - 1)
         for i, v in enumerate(x)]
    top = 2 ** bits - 1

    def sample(index: list[int], j: int) -> float:
        flat, stride = 0, 1
        for i, s in zip(index, sizes):
            flat += i * stride
            stride *= s
        bit = (flat * n + j) * bits
        if (bit + bits + 7) // 8 > len(data):
            raise Unevaluable("a sampled function's data is short")
        chunk = int.from_bytes(data[bit // 8:(bit + bits + 7) // 8], "big")
        value = (chunk >> ((8 - (bit + bits) % 8) % 8)) & top
        return _interpolate(value, 0, top, decode[2 * j], decode[2 * j + 1])

    if len(x) == 1:  # linear between the two nearest samples, as renderers do
        low = int(math.floor(e[0]))
        high = min(low + 1, sizes[0] - 1)
        w = e[0] - low
        return [(1 - w) * sample([low], j) + w * sample([high], j) for j in range(n)]
    nearest = [int(round(v)) for v in e]
    return [sample(nearest, j) for j in range(n)]


_TOKEN = re.compile(rb"[{}]|[^\s{}]+")
_OPERATORS: dict[str, tuple[int, object]] = {
    "abs": (1, abs), "add": (2, lambda a, b: a + b), "atan": (2, lambda n, d: math.degrees(math.atan2(n, d)) % 360),
    "ceiling": (1, math.ceil), "cos": (1, lambda a: math.cos(math.radians(a))), "cvi": (1, lambda a: int(a)),
    "cvr": (1, float), "div": (2, lambda a, b: a / b), "exp": (2, lambda a, b: a ** b), "floor": (1, math.floor),
    "idiv": (2, lambda a, b: int(a / b)), "ln": (1, math.log), "log": (1, math.log10),
    "mod": (2, lambda a, b: int(math.fmod(a, b))), "mul": (2, lambda a, b: a * b), "neg": (1, lambda a: -a),
    "round": (1, lambda a: math.floor(a + 0.5)), "sin": (1, lambda a: math.sin(math.radians(a))),
    "sqrt": (1, math.sqrt), "sub": (2, lambda a, b: a - b), "truncate": (1, math.trunc),
    "and": (2, lambda a, b: a and b if isinstance(a, bool) else int(a) & int(b)),
    "or": (2, lambda a, b: a or b if isinstance(a, bool) else int(a) | int(b)),
    "xor": (2, lambda a, b: a != b if isinstance(a, bool) else int(a) ^ int(b)),
    "not": (1, lambda a: not a if isinstance(a, bool) else ~int(a)),
    "bitshift": (2, lambda a, s: int(a) << int(s) if s >= 0 else int(a) >> -int(s)),
    "eq": (2, lambda a, b: a == b), "ne": (2, lambda a, b: a != b), "ge": (2, lambda a, b: a >= b),
    "gt": (2, lambda a, b: a > b), "le": (2, lambda a, b: a <= b), "lt": (2, lambda a, b: a < b),
}


def _calculator(function, x: list[float], tick, programs: dict) -> list[float]:
    if id(function) not in programs:
        programs[id(function)] = None  # a program that fails to parse fails once
        programs[id(function)] = _parse(bounded_data(function, MAX_PROGRAM_BYTES, MAX_PROGRAM_BYTES), tick)
    program = programs[id(function)]
    if program is None:
        raise Unevaluable("a calculator program that did not parse")
    stack: list = list(x)
    _run(program, stack, tick, 0)
    out_range = _numbers(function.get("/Range"))
    n = len(out_range) // 2 if out_range else len(stack)
    if len(stack) < n or any(isinstance(v, (bool, list)) for v in stack[-n:]):
        raise Unevaluable("a calculator program left no colour")
    return [float(v) for v in stack[len(stack) - n:]]


def bounded_data(stream, needed: int, limit: int) -> bytes:
    """A stream's data, refused (Unevaluable) where more than `limit` bytes would be needed or would come out. A
    Flate stream is inflated only as far as the limit: a small file cannot make this inflate 75 MB per function."""
    import zlib

    if needed > limit:
        raise Unevaluable("a function's data over the size limit")
    filters = stream.get("/Filter")
    filters = [filters] if not isinstance(filters, list) else list(filters)
    if filters == [None] or filters == []:
        data = stream.get_data()
    elif [str(f) for f in filters] == ["/FlateDecode"] and stream.get("/DecodeParms") is None:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(bytes(stream._data), limit + 1)
        except zlib.error as exc:
            raise Unevaluable(f"a function's data does not inflate ({exc})") from exc
    else:
        data = stream.get_data()
    if len(data) > limit:
        raise Unevaluable("a function's data over the size limit")
    return data


def _parse(data: bytes, tick=None) -> list:
    tokens = _TOKEN.findall(re.sub(rb"%[^\r\n]*", b"", data))
    if not tokens or tokens[0] != b"{":
        raise Unevaluable("a calculator program without braces")
    stack: list[list] = [[]]
    for token in tokens:
        if tick is not None:
            tick()
        if token == b"{":
            if len(stack) > MAX_DEPTH + 1:
                raise Unevaluable("calculator procedures nested too deep")
            stack.append([])
        elif token == b"}":
            if len(stack) < 2:
                raise Unevaluable("unbalanced braces")
            done = stack.pop()
            stack[-1].append(done)
        else:
            text = token.decode("latin-1")
            try:
                stack[-1].append(int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text))
            except ValueError:
                stack[-1].append(text)  # an operator name
    if len(stack) != 1 or len(stack[0]) != 1 or not isinstance(stack[0][0], list):
        raise Unevaluable("unbalanced braces")
    return stack[0][0]


def _run(procedure: list, stack: list, tick, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise Unevaluable("calculator procedures nested too deep")
    for item in procedure:
        if tick is not None:
            tick()
        if not isinstance(item, str):
            stack.append(item)
        elif item in ("true", "false"):
            stack.append(item == "true")
        elif item == "if":
            body, condition = _pop(stack), _pop(stack)
            if condition is True:
                _run(_procedure(body), stack, tick, depth + 1)
        elif item == "ifelse":
            no, yes, condition = _pop(stack), _pop(stack), _pop(stack)
            _run(_procedure(yes if condition is True else no), stack, tick, depth + 1)
        else:
            _stack_operator(item, stack)
        if len(stack) > MAX_STACK:
            raise Unevaluable("calculator stack overflow")


def _stack_operator(name: str, stack: list) -> None:
    if name == "dup":
        stack.append(_peek(stack, 0))
    elif name == "pop":
        _pop(stack)
    elif name == "exch":
        b, a = _pop(stack), _pop(stack)
        stack += [b, a]
    elif name == "copy":
        n = _count(_pop(stack), stack)
        stack += stack[len(stack) - n:] if n else []
    elif name == "index":
        stack.append(_peek(stack, _count(_pop(stack), stack)))
    elif name == "roll":
        j, n = _pop(stack), _count(_pop(stack), stack)
        if n and not isinstance(j, (bool, list)):
            j = int(j) % n
            top = stack[len(stack) - n:]
            stack[len(stack) - n:] = top[n - j:] + top[:n - j]
    elif name in _OPERATORS:
        arity, operation = _OPERATORS[name]
        args = [_pop(stack) for _ in range(arity)][::-1]
        if any(isinstance(a, list) for a in args):
            raise Unevaluable(f"{name} on a procedure")
        try:
            result = operation(*args)
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise Unevaluable(f"{name}: {exc}") from exc
        if isinstance(result, complex) or (isinstance(result, float) and not math.isfinite(result)):
            raise Unevaluable(f"{name} gave no real number")
        stack.append(result)
    else:
        raise Unevaluable(f"unknown calculator operator {name!r}")


def _pop(stack: list):
    if not stack:
        raise Unevaluable("calculator stack underflow")
    return stack.pop()


def _peek(stack: list, n: int):
    if n >= len(stack):
        raise Unevaluable("calculator stack underflow")
    return stack[-1 - n]


def _count(value, stack: list) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value > len(stack):
        raise Unevaluable("a bad calculator stack count")
    return int(value)


def _procedure(value) -> list:
    if not isinstance(value, list):
        raise Unevaluable("if/ifelse without a procedure")
    return value


def _interpolate(x: float, x0: float, x1: float, y0: float, y1: float) -> float:
    return y0 if x1 == x0 else y0 + (x - x0) * (y1 - y0) / (x1 - x0)


def _clip(x: float, low: float, high: float) -> float:
    return min(max(x, low), high)


def _number(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _numbers(value) -> list[float]:
    value = value.get_object() if hasattr(value, "get_object") else value
    if not isinstance(value, list):
        return []
    try:
        return [float(v) for v in value]
    except (TypeError, ValueError) as exc:
        raise Unevaluable("a number array holds something else") from exc
