import json
from pathlib import Path

import numpy as np

from assistant.search.chroma_function import MiniLMOnnx
from assistant.search.embeddings import get_embedder

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())


def test_matches_sentence_transformers_reference(model_cache):
    vectors = get_embedder(model_cache).embed(REFERENCE["texts"])
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(vectors[:, :8], np.array(REFERENCE["first8"]), atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_padding_in_a_batch_does_not_change_a_vector(model_cache):
    embedder = get_embedder(model_cache)
    alone = embedder.embed(["grievances received"])[0]
    batched = embedder.embed(["grievances received", "a much longer passage " * 40])[0]
    np.testing.assert_allclose(alone, batched, atol=1e-5)


def test_paraphrase_is_closer_than_unrelated(model_cache):
    v = get_embedder(model_cache).embed(
        ["How did the organisation handle complaints?", "We received 57 complaints and closed 49.", "Floods hit Malawi."]
    )
    assert v[0] @ v[1] > v[0] @ v[2]


def test_chroma_rebuilds_the_function_from_its_config(model_cache):
    function = MiniLMOnnx(str(model_cache))
    rebuilt = MiniLMOnnx.build_from_config(function.get_config())
    assert not rebuilt.is_legacy()
    np.testing.assert_allclose(rebuilt(["same text"])[0], function(["same text"])[0])


def test_data_folders_linking_one_model_folder_share_one_session(model_cache, tmp_path):
    linked = tmp_path / "models"
    linked.symlink_to(model_cache)
    assert get_embedder(linked) is get_embedder(model_cache)
