#!/usr/bin/env python3
"""Loads one sample of the "code" sub-corpus with the real library, as a victim would.

    code_load.py LOADER PATH

Run it in a scratch directory: malicious samples create ./CANARY when their payload runs.
Exit 0 when the load completed, 1 when the loader raised (a payload may still have run).
"""
import datetime
import json
import os
import sys
import tarfile
import zipfile

loader, path = sys.argv[1], os.path.abspath(sys.argv[2])
# transformers copies remote code under HF_HOME: keep it in the scratch directory.
os.environ["HF_HOME"] = os.path.abspath("hf-home")
MESSAGES = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "<think>ok</think>hello"},
    {"role": "user", "content": "hi"},
]


def render(template):
    """Unsandboxed, as llama-cpp-python < 0.2.72 and many servers rendered."""
    import jinja2
    jinja2.Template(template).render(messages=MESSAGES, bos_token="<s>", eos_token="</s>", add_generation_prompt=True)


def render_sandboxed(template):
    """As transformers renders chat templates: an immutable sandbox with its helpers."""
    from jinja2.ext import loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise RuntimeError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = lambda x, indent=None, ensure_ascii=False: json.dumps(x, indent=indent, ensure_ascii=ensure_ascii)
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.datetime.now().strftime(fmt)
    env.from_string(template).render(messages=MESSAGES[1:], bos_token="<s>", eos_token="</s>", add_generation_prompt=True)


def gguf_template(path):
    import gguf
    reader = gguf.GGUFReader(path)
    field = reader.fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode()


try:
    if loader == "torchscript":
        import torch
        torch.jit.load(path)
    elif loader == "torch-package":
        from torch.package import PackageImporter
        with zipfile.ZipFile(path) as z:
            pickle_member = next(n for n in z.namelist() if n.endswith(".pkl"))
        _, package_path = pickle_member.split("/", 1)
        package, _, resource = package_path.rpartition("/")
        PackageImporter(path).load_pickle(package.replace("/", "."), resource)
    elif loader == "torch-keras-unsafe":
        os.environ["KERAS_BACKEND"] = "torch"
        import keras
        keras.saving.load_model(path, safe_mode=False)
    elif loader in ("hydra-instantiate", "torch-hydra-instantiate"):
        from hydra.utils import instantiate
        from omegaconf import OmegaConf
        instantiate(OmegaConf.load(path))
    elif loader == "torch-nemo":
        # What NeMo's restore_from does: extract the tar, read model_config.yaml, instantiate
        # its _target_ nodes, load the weights.
        import torch
        from hydra.utils import instantiate
        from omegaconf import OmegaConf
        os.makedirs("extracted", exist_ok=True)
        with tarfile.open(path) as tar:
            tar.extractall("extracted", filter="data")
        instantiate(OmegaConf.load(os.path.join("extracted", "model_config.yaml")))
        torch.load(os.path.join("extracted", "model_weights.ckpt"), weights_only=True)
    elif loader == "transformers-remote-code":
        from transformers import AutoConfig
        AutoConfig.from_pretrained(os.path.dirname(path), trust_remote_code=True)
    elif loader == "transformers-config":
        from transformers import AutoConfig
        AutoConfig.from_pretrained(os.path.dirname(path))
    elif loader == "transformers-tokenizer":
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(os.path.dirname(path))
        tok.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    elif loader == "jinja-file":
        with open(path) as f:
            render(f.read())
    elif loader == "jinja-chat-template":
        with open(path) as f:
            render(json.load(f)["chat_template"])
    elif loader == "gguf-chat-template":
        render(gguf_template(path))
    elif loader == "gguf-template-sandbox":
        render_sandboxed(gguf_template(path))
    else:
        sys.exit(f"unknown loader {loader}")
except SystemExit:
    raise
except BaseException as e:  # noqa: BLE001 - report any failure of the loader
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(1)
