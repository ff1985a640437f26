#!/usr/bin/env python3
"""Writes the `environments` sub-corpus: what real ML environments pickle, and the allowlist edges.

    .venv/bin/python scripts/scan-corpus/environments.py [tests/fixtures/scan-corpus/environments]

Benign samples are written by the real libraries (torch.save, pickle.dump of library objects,
DataFrame.to_pickle, joblib.dump) with tiny random weights and no download; each loads under
scripts/scan-corpus/environments_load.py (scripts/load-sample.py's loaders plus `torch-pickle`)
with the loader corpus.json names. Malicious samples reach a dangerous
callable through an ML library's own module (a stdlib file opener re-exported by NumPy, `os`
reached by an attribute walk from a torch or transformers module) or through a pathlib method;
each creates ./CANARY when loaded. Deterministic where the libraries allow.
"""
import hashlib
import io
import json
import os
import pathlib
import pickle
import struct
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/scan-corpus/environments")
samples = []


def record(name, kind, family, loader, note):
    path = OUT / kind / name
    samples.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": loader,
                    "note": note, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})


def target(kind, name):
    path = OUT / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def dump_pickle(name, obj, family, note, protocol=4):
    with open(target("benign", name), "wb") as f:
        pickle.dump(obj, f, protocol=protocol)
    record(name, "benign", family, "pickle", note)


def dump_joblib(name, obj, family, note):
    import joblib
    joblib.dump(obj, target("benign", name))
    record(name, "benign", family, "joblib", note)


def torch_save(name, obj, family, note):
    import torch
    torch.save(obj, target("benign", name))
    record(name, "benign", family, "torch", note)


def u(text):
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def stack_global_call(module, name, *args):
    """Protocol 4: STACK_GLOBAL module name, called with string arguments."""
    body = u(module) + u(name) + b"\x93" + b"(" + b"".join(u(a) for a in args) + b"tR."
    return b"\x80\x04" + body


def benign_torch():
    import torch
    torch.manual_seed(0)
    dtypes = [torch.float16, torch.float32, torch.float64, torch.bfloat16, torch.int8, torch.int16,
              torch.int32, torch.int64, torch.uint8, torch.uint16, torch.uint32, torch.uint64,
              torch.bool, torch.complex64, torch.complex128]
    state = {str(d).removeprefix("torch."): torch.arange(4).to(d) for d in dtypes}
    torch_save("torch_state_dict_every_dtype.pt", state, "torch-state-dict",
               "a tensor of every ordinary dtype, incl. uint16/32/64, bfloat16, complex, bool")
    f8 = {str(d).removeprefix("torch."): torch.linspace(-1, 1, 4).to(d)
          for d in (torch.float8_e4m3fn, torch.float8_e5m2, torch.float8_e4m3fnuz,
                    torch.float8_e5m2fnuz)}
    f8["float8_e8m0fnu"] = torch.ones(4).to(torch.float8_e8m0fnu)
    torch_save("torch_state_dict_float8.pt", f8, "torch-state-dict", "float8 variants")
    torch_save("torch_state_dict_bits.pt", {"bits8": torch.zeros(4, dtype=torch.uint8).view(torch.bits8),
                                            "bits16": torch.zeros(2, dtype=torch.int16).view(torch.bits16)},
               "torch-state-dict", "bits dtypes")
    q = torch.quantize_per_tensor(torch.linspace(-1, 1, 8), 0.1, 0, torch.qint8)
    qc = torch.quantize_per_channel(torch.linspace(-1, 1, 8).reshape(2, 4), torch.tensor([0.1, 0.2]),
                                    torch.tensor([0, 0]), 0, torch.quint8)
    torch_save("torch_quantized_tensors.pt", {"per_tensor": q, "per_channel": qc}, "torch-state-dict",
               "quantized tensors (per-tensor and per-channel affine)")
    seq = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
                              torch.nn.Flatten(), torch.nn.LazyLinear(2) if False else torch.nn.Linear(4, 2),
                              torch.nn.Dropout(0.1), torch.nn.LayerNorm(2), torch.nn.Softmax(dim=-1))
    torch_save("torch_sequential_module.pt", seq, "torch-whole-module", "a whole nn.Sequential")
    rnn = torch.nn.ModuleDict({"lstm": torch.nn.LSTM(4, 4), "gru": torch.nn.GRU(4, 4),
                               "emb": torch.nn.Embedding(10, 4), "attn": torch.nn.MultiheadAttention(4, 2)})
    torch_save("torch_recurrent_modules.pt", rnn, "torch-whole-module", "LSTM, GRU, embedding, attention")
    import torchvision
    with torch.device("meta"):
        resnet = torchvision.models.resnet18(weights=None)
    torch_save("torchvision_resnet18_meta.pt", resnet, "torch-whole-module",
               "torchvision resnet18 (no weights; parameters on the meta device to stay small)")
    small = torchvision.models.mobilenet_v3_small(weights=None, num_classes=2, width_mult=0.1)
    torch_save("torchvision_mobilenet_v3_small.pt", small.state_dict(), "torch-state-dict",
               "torchvision mobilenet state_dict")
    tfm = torchvision.transforms.Compose([torchvision.transforms.Resize(8),
                                          torchvision.transforms.CenterCrop(8),
                                          torchvision.transforms.Normalize([0.5] * 3, [0.5] * 3)])
    torch_save("torchvision_transforms.pt", tfm, "torch-whole-module", "torchvision transforms")
    model = torch.nn.Linear(4, 2)
    for opt_cls, sched in ((torch.optim.Adam, lambda o: torch.optim.lr_scheduler.StepLR(o, 2)),
                           (torch.optim.SGD, lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10)),
                           (torch.optim.AdamW, lambda o: torch.optim.lr_scheduler.OneCycleLR(o, 0.1, total_steps=10))):
        kwargs = {"lr": 0.1, "momentum": 0.9} if opt_cls is torch.optim.SGD else {"lr": 0.01}
        opt = opt_cls(model.parameters(), **kwargs)
        s = sched(opt)
        model(torch.ones(1, 4)).sum().backward()
        opt.step()
        s.step()
        name = opt_cls.__name__.lower()
        torch_save(f"torch_{name}_scheduler_state.pt",
                   {"optimizer": opt.state_dict(), "scheduler": s.state_dict(), "epoch": 1},
                   "torch-optimizer", f"{opt_cls.__name__} + {type(s).__name__} state dicts")
    scaler = torch.amp.GradScaler("cpu")
    torch_save("torch_checkpoint_with_rng.pt", {"model": model.state_dict(), "rng": torch.get_rng_state(),
                                                "scaler": scaler.state_dict(), "device": torch.device("cpu"),
                                                "size": torch.Size([2, 4]), "dtype": torch.bfloat16},
               "torch-checkpoint", "a training checkpoint: RNG state, grad scaler, device, Size, dtype")
    # torch.distributed.checkpoint: the .metadata file is a plain pickle of its metadata classes.
    import torch.distributed.checkpoint as dcp
    with tempfile.TemporaryDirectory() as tmp:
        dcp.save({"model": torch.nn.Linear(2, 2).state_dict(), "step": 3}, checkpoint_id=tmp,
                 no_dist=True)
        data = (pathlib.Path(tmp) / ".metadata").read_bytes()
    target("benign", "dcp.metadata").write_bytes(data)
    record("dcp.metadata", "benign", "torch-distributed-checkpoint", "torch-pickle",
           "torch.distributed.checkpoint .metadata (Metadata, TensorStorageMetadata, ...)")


def benign_transformers():
    import torch
    import transformers
    args = transformers.TrainingArguments(output_dir="out", eval_strategy="steps", save_strategy="epoch",
                                          lr_scheduler_type="cosine", report_to=[], use_cpu=True,
                                          )
    torch_save("training_args.bin", args, "transformers-training-args",
               "TrainingArguments saved as Trainer saves training_args.bin")
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=64, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=16, max_position_embeddings=16)
    bert = transformers.BertModel(cfg)
    torch_save("transformers_bert_state_dict.bin", bert.state_dict(), "transformers-model",
               "pytorch_model.bin of a tiny BertModel from a config (random weights)")
    gcfg = transformers.GPT2Config(vocab_size=64, n_embd=8, n_layer=1, n_head=2, n_positions=16,
                                  bos_token_id=0, eos_token_id=0)
    gpt2 = transformers.GPT2LMHeadModel(gcfg)
    torch_save("transformers_gpt2_whole_model.pt", gpt2, "transformers-model",
               "a whole tiny GPT2LMHeadModel saved with torch.save")
    with tempfile.TemporaryDirectory() as tmp:
        gpt2.save_pretrained(tmp)
        files = sorted(os.listdir(tmp))
        weights = next(f for f in files if f.endswith(".safetensors") or f.endswith(".bin"))
        data = (pathlib.Path(tmp) / weights).read_bytes()
    name = "save_pretrained_" + weights
    target("benign", name).write_bytes(data)
    record(name, "benign", "transformers-model", "safetensors" if weights.endswith("safetensors") else "torch",
           "the weights file save_pretrained writes for a tiny GPT-2")
    dump_pickle("generation_config.pkl", transformers.GenerationConfig(max_new_tokens=8, do_sample=True,
                                                                       top_k=5), "transformers-config",
                "a pickled GenerationConfig")
    dump_pickle("bert_config.pkl", cfg, "transformers-config", "a pickled BertConfig")
    from transformers.trainer_utils import IntervalStrategy, SchedulerType
    import accelerate.utils.dataclasses as acc
    torch_save("accelerate_state.pt", {"distributed_type": acc.DistributedType.NO,
                                       "precision": acc.PrecisionType.BF16,
                                       "project": acc.ProjectConfiguration(project_dir="p"),
                                       "interval": IntervalStrategy.STEPS,
                                       "scheduler": SchedulerType.COSINE},
               "accelerate-state", "accelerate enums and configuration dataclasses, transformers enums")


def benign_pandas_scipy_numpy():
    import numpy as np
    import pandas as pd
    import scipy.sparse as sp
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": np.arange(5), "b": rng.random(5), "c": list("vwxyz"),
                       "d": pd.Categorical(list("ababa")), "e": pd.date_range("2024-01-01", periods=5, tz="UTC"),
                       "f": pd.array([1, None, 3, 4, 5], dtype="Int64"),
                       "g": pd.timedelta_range("1h", periods=5)})

    def to_pickle(name, obj, note):
        obj.to_pickle(target("benign", name))
        record(name, "benign", "pandas", "pickle", note)

    to_pickle("pandas_dataframe.pkl", df, "DataFrame of mixed dtypes (tz datetimes, Int64, categorical)")
    to_pickle("pandas_series.pkl", pd.Series(rng.random(4), index=list("abcd"), name="s"), "Series")
    to_pickle("pandas_categorical.pkl", pd.Series(pd.Categorical(["x", "y", "x"], ordered=True)),
              "ordered Categorical")
    to_pickle("pandas_datetimeindex.pkl", pd.Series(range(3), index=pd.date_range("2024", periods=3, freq="D")),
              "DatetimeIndex with a frequency")
    to_pickle("pandas_multiindex.pkl", pd.DataFrame({"v": range(4)}, index=pd.MultiIndex.from_product(
        [["a", "b"], [1, 2]], names=["k", "n"])), "MultiIndex")
    to_pickle("pandas_sparse.pkl", pd.DataFrame({"s": pd.arrays.SparseArray([0, 0, 1, 0, 2])}), "SparseArray")
    to_pickle("pandas_interval_period.pkl", pd.DataFrame(
        {"p": pd.period_range("2024-01", periods=3, freq="M")}, index=pd.interval_range(0, 3)),
        "PeriodIndex values and IntervalIndex")
    # (A zoneinfo zone pickles as getattr(ZoneInfo, "_unpickle"): the VM's business, not the
    # allowlist's; UTC keeps this sample about pandas.)
    dump_pickle("pandas_timestamps.pkl", {"ts": pd.Timestamp("2024-01-01", tz="UTC"),
                                          "td": pd.Timedelta("1D"), "off": pd.offsets.BDay(2),
                                          "na": pd.NaT}, "pandas", "Timestamp, Timedelta, offsets, NaT")
    m = sp.random(6, 5, density=0.3, format="csr", random_state=0)
    for fmt in ("csr", "csc", "coo", "lil", "dok", "bsr", "dia"):
        dump_pickle(f"scipy_{fmt}_matrix.pkl", m.asformat(fmt), "scipy-sparse", f"scipy.sparse {fmt} matrix")
    dump_pickle("scipy_csr_array.pkl", sp.csr_array(m), "scipy-sparse", "scipy.sparse csr_array")
    dump_pickle("numpy_masked_array.pkl", np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]), "numpy",
                "numpy.ma masked array")
    dump_pickle("numpy_recarray.pkl", np.rec.array([(1, 2.0, b"x")], dtype=[("a", "i4"), ("b", "f8"), ("c", "S1")]),
                "numpy", "numpy.rec recarray")
    dump_pickle("numpy_ufuncs_by_name.pkl", {"log1p": np.log1p, "exp": np.exp, "add": np.add, "sqrt": np.sqrt},
                "numpy", "ufuncs pickled by name (as FunctionTransformer configs hold them)")
    dump_pickle("numpy_generator_state.pkl", {"gen": np.random.default_rng(0), "legacy": np.random.RandomState(0),
                                              "dt": np.dtype("datetime64[ns]"), "f": np.float32(1.5)},
                "numpy", "random generators, dtypes, scalars")
    dump_pickle("pathlib_paths.pkl", {"out": pathlib.PurePosixPath("runs/exp1"), "data": pathlib.PosixPath("data"),
                                      "win": pathlib.PureWindowsPath("C:/data")}, "pathlib",
                "path objects in a config, as training scripts pickle them")


def benign_estimators():
    import numpy as np
    from sklearn import cluster, compose, decomposition, ensemble, feature_extraction, impute, linear_model
    from sklearn import naive_bayes, neighbors, neural_network, pipeline, preprocessing, svm, tree
    rng = np.random.default_rng(0)
    X = rng.random((40, 4))
    y = (X[:, 0] > 0.5).astype(int)
    models = {
        "sklearn_pipeline_logreg": pipeline.make_pipeline(preprocessing.StandardScaler(),
                                                          linear_model.LogisticRegression()),
        "sklearn_random_forest": ensemble.RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0),
        "sklearn_gradient_boosting": ensemble.GradientBoostingClassifier(n_estimators=3, random_state=0),
        "sklearn_hist_gradient_boosting": ensemble.HistGradientBoostingClassifier(max_iter=3, random_state=0),
        "sklearn_decision_tree": tree.DecisionTreeRegressor(max_depth=3, random_state=0),
        "sklearn_isolation_forest": ensemble.IsolationForest(n_estimators=3, random_state=0),
        "sklearn_svc_pca": pipeline.make_pipeline(decomposition.PCA(2), svm.SVC()),
        "sklearn_knn_kdtree": neighbors.KNeighborsClassifier(3, algorithm="kd_tree"),
        "sklearn_mlp": neural_network.MLPClassifier((4,), max_iter=5, random_state=0),
        "sklearn_naive_bayes": naive_bayes.GaussianNB(),
        "sklearn_kmeans": cluster.KMeans(2, n_init=1, random_state=0),
        "sklearn_ridge_imputer": pipeline.make_pipeline(impute.SimpleImputer(), linear_model.Ridge()),
        "sklearn_function_transformer_log1p": pipeline.make_pipeline(
            preprocessing.FunctionTransformer(np.log1p), linear_model.LinearRegression()),
    }
    for name, model in models.items():
        model.fit(X, y) if name not in ("sklearn_kmeans", "sklearn_isolation_forest") else model.fit(X)
        dump_pickle(f"{name}.pkl", model, "sklearn", f"fitted {type(model).__name__}")
    ct = compose.ColumnTransformer([("num", preprocessing.StandardScaler(), [0, 1]),
                                    ("cat", preprocessing.OneHotEncoder(handle_unknown="ignore"), [2])])
    Xc = np.array([[1.0, 2.0, "a"], [2.0, 1.0, "b"], [0.5, 0.1, "a"]], dtype=object)
    ct.fit(Xc)
    dump_joblib("sklearn_column_transformer.joblib", ct, "sklearn", "ColumnTransformer with OneHotEncoder, joblib")
    text = pipeline.make_pipeline(feature_extraction.text.TfidfVectorizer(), linear_model.SGDClassifier(random_state=0))
    text.fit(["a cat", "a dog", "the cat", "the dog"], [0, 1, 0, 1])
    dump_joblib("sklearn_tfidf_sgd.joblib", text, "sklearn", "TF-IDF + SGD pipeline, joblib")
    dump_joblib("sklearn_random_forest.joblib", models["sklearn_random_forest"], "sklearn",
                "RandomForest, joblib (arrays after the pickle)")

    import catboost
    import lightgbm
    import xgboost
    lgbm = lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1, random_state=0).fit(X, y)
    dump_pickle("lightgbm_classifier.pkl", lgbm, "lightgbm", "LGBMClassifier")
    dump_joblib("lightgbm_booster.joblib", lgbm.booster_, "lightgbm", "lightgbm Booster, joblib")
    xgbm = xgboost.XGBClassifier(n_estimators=3, max_depth=2, random_state=0).fit(X, y)
    dump_pickle("xgboost_classifier.pkl", xgbm, "xgboost", "XGBClassifier")
    dump_joblib("xgboost_booster.joblib", xgbm.get_booster(), "xgboost", "xgboost Booster, joblib")
    cb = catboost.CatBoostClassifier(iterations=3, depth=2, verbose=False, random_seed=0,
                                     allow_writing_files=False).fit(X, y)
    dump_pickle("catboost_classifier.pkl", cb, "catboost", "CatBoostClassifier")
    cbr = catboost.CatBoostRegressor(iterations=3, depth=2, verbose=False, random_seed=0,
                                     allow_writing_files=False).fit(X, X[:, 1])
    dump_joblib("catboost_regressor.joblib", cbr, "catboost", "CatBoostRegressor, joblib")


def malicious():
    # io.open re-exported by NumPy as numpy.lib._datasource._open: a file class under an ML name.
    target("malicious", "numpy_datasource_open.pkl").write_bytes(
        stack_global_call("numpy.lib._datasource", "_open", "CANARY", "w"))
    record("numpy_datasource_open.pkl", "malicious", "reexported-stdlib-callable", "pickle",
           "io.open reached as numpy.lib._datasource._open creates ./CANARY")
    import joblib  # noqa: F401 (the joblib loader reads plain pickles too)
    target("malicious", "numpy_datasource_open.joblib").write_bytes(
        stack_global_call("numpy.lib._datasource", "_open", "CANARY", "w"))
    # (same bytes, a different loader: joblib.load)
    record("numpy_datasource_open.joblib", "malicious", "reexported-stdlib-callable", "joblib",
           "the same re-export loaded by joblib.load")
    # os.system reached by an attribute walk from an ML module that imports os.
    target("malicious", "transformers_training_args_os_system.pkl").write_bytes(
        stack_global_call("transformers.training_args", "os.system", "touch CANARY"))
    record("transformers_training_args_os_system.pkl", "malicious", "reexported-stdlib-module", "pickle",
           "transformers.training_args.os.system via protocol 4 attribute walk")
    # The same through torch's own loader, inside a real torch.save archive.
    import torch
    path = target("malicious", "torch_utils_os_system.pt")
    writer = torch._C.PyTorchFileWriter(str(path))
    payload = stack_global_call("torch._utils", "os.system", "touch CANARY")
    writer.write_record("data.pkl", payload, len(payload))
    writer.write_record("byteorder", b"little", len(b"little"))
    writer.write_end_of_file()
    del writer
    record("torch_utils_os_system.pt", "malicious", "reexported-stdlib-module", "torch",
           "torch._utils.os.system in a torch.save archive, loaded by torch.load(weights_only=False)")
    # A pathlib method: PosixPath('CANARY') is data, Path.touch on it writes.
    body = (u("pathlib") + u("Path.touch") + b"\x93" + u("pathlib") + u("PosixPath") + b"\x93"
            + u("CANARY") + b"\x85R" + b"\x85R.")
    target("malicious", "pathlib_touch.pkl").write_bytes(b"\x80\x04" + body)
    record("pathlib_touch.pkl", "malicious", "pathlib-write", "pickle",
           "pathlib.Path.touch(PosixPath('CANARY'))")
    body = (u("pathlib") + u("PosixPath.write_text") + b"\x93" + u("pathlib") + u("PosixPath") + b"\x93"
            + u("CANARY") + b"\x85R" + u("x") + b"\x86R.")
    target("malicious", "pathlib_write_text.pkl").write_bytes(b"\x80\x04" + body)
    record("pathlib_write_text.pkl", "malicious", "pathlib-write", "pickle",
           "pathlib.PosixPath.write_text(PosixPath('CANARY'), 'x')")


def main():
    only = set(os.environ.get("ONLY", "").split(",")) - {""}
    parts = {"torch": benign_torch, "transformers": benign_transformers, "data": benign_pandas_scipy_numpy,
             "estimators": benign_estimators, "malicious": malicious}
    for name, part in parts.items():
        if not only or name in only:
            part()
    manifest = {
        "generated_by": "scripts/scan-corpus/environments.py",
        "load_script": "scripts/scan-corpus/environments_load.py",
        "libraries": "numpy, pandas, scipy, sklearn, joblib, lightgbm, xgboost, catboost, transformers, "
                     "safetensors",
        "samples": samples,
    }
    (OUT / "corpus.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(samples)} samples", file=sys.stderr)


if __name__ == "__main__":
    main()
