"""The source of the teaching notebooks in `notebooks/`: regenerate them with

    .venv/bin/python -m tests.build_notebooks

Each notebook is a list of cells written here as plain text, so a review reads Python, not
JSON; the `.ipynb` files are written without outputs and with stable cell ids. The test
suite checks that the files in `notebooks/` are exactly what this module writes (edit here,
not in JupyterLab), then executes them (`tests/test_notebooks.py`).

No cell source holds a secret value: every fake secret lives in a sample file beside the
notebooks (`prototype.env`, `secrets-page.env`, `macro.env`, `sample.env`), so the check that
an executed notebook holds no secret can look at the whole file, sources included.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"

# A cell is ("md", text), ("code", source) or ("code", source, tags).
Cell = tuple[str, ...] | tuple[str, str, tuple[str, ...]]

# The cell tag JupyterLab and nbclient honour: "Run All" goes on after this cell's error.
RAISES = ("raises-exception",)

PROTOTYPE: list[Cell] = [
    (
        "md",
        """# 01 · Prototype a Kestra flow in a notebook

`%%kestra_flow` takes a flow written in YAML, validates it as Kestra would, and shows it
**rendered**: every `{{ }}` expression evaluated with Kestra's own expression language
(Pebble), with your inputs, `envs` and secrets. Secret values appear as `******`, and
expressions that only exist while Kestra runs the flow (`outputs`, `taskrun`, ...) are kept
as written and listed as *deferred*. When the flow is right, `--save` writes its source to
`flows/`, ready for a Kestra server (see `docs/running-on-kestra.md`).

Run the cells from top to bottom. The first one loads the extension and says what it
loaded; if `make run` already auto-loaded it, it says so and what is loaded.""",
    ),
    ("code", "%load_ext kestra_nb"),
    (
        "md",
        """## Secrets and envs for this notebook

`prototype.env`, beside this notebook, holds fake values: two secrets in Kestra's
open-source form (`SECRET_<NAME>=<base64>`; one written with the `base64encode` macro from
Kestra's secrets page, which kestra_nb evaluates) and two `ENV_*` entries, which flows read
as `{{ envs.<name> }}`. `%kestra_env` loads it: it reports names and counts, never values.""",
    ),
    ("code", "%kestra_env prototype.env"),
    ("code", "%kestra_secrets --list"),
    ("code", "%kestra_env --list"),
    (
        "md",
        """## A first flow: inputs with defaults, envs, a secret, an output of a later task

`--name hello` keeps the parsed flow in the variable `hello`. Inputs that are not given
take their `defaults`. The `Authorization` header shows `******`: the value is in the
rendered flow, but no cell output ever shows it. The last task reads the output of the
HTTP call, which only exists while Kestra runs the flow: it stays as written and is listed
under *resolved at run time*.""",
    ),
    (
        "code",
        """%%kestra_flow --name hello
id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: World
  - id: retries
    type: INT
    defaults: 3
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }} from {{ envs.stage }} ({{ inputs.retries }} retries)"
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "https://{{ envs.api_host }}/users/{{ inputs.user | lower }}"
    headers:
      Authorization: "Bearer {{ secret('API_TOKEN') }}"
  - id: report
    type: io.kestra.plugin.core.log.Log
    message: "The API answered {{ outputs.call.code }}"
""",
    ),
    (
        "md",
        """The flow object says what it used and what it left for run time (names only):""",
    ),
    (
        "code",
        "hello.secrets_used, hello.envs_used, hello.inputs_used",
    ),
    ("code", "hello.deferred"),
    (
        "md",
        """## Input values

`--input KEY=VALUE` (repeatable) gives one input; `--inputs DICTVAR` takes them from a
dict. Values are converted to the input's type, as Kestra does: `retries=5` becomes the
integer 5.""",
    ),
    ("code", 'values = {"user": "Ada", "retries": "5"}'),
    (
        "code",
        """%%kestra_flow --inputs values --show both
id: hello_inputs
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: World
  - id: retries
    type: INT
    defaults: 3
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}: {{ inputs.retries * 2 }} attempts at most"
""",
    ),
    (
        "md",
        """The same from Python: the kernel's session evaluates a flow's text with its secrets
and envs (`KestraFlow.from_yaml(text, secrets=..., environ=..., inputs=...)` underneath,
which outside a notebook reads the process environment), and `to_yaml()` gives the rendered
flow with every secret masked.""",
    ),
    (
        "code",
        """from kestra_nb.notebook.session import current

session = current()  # this kernel's secrets and envs, as %%kestra_flow uses them
grace = session.flow(hello.source, inputs={"user": "Grace", "retries": 1})
print(grace.to_yaml())""",
    ),
    (
        "md",
        """## A validation error, then the fix

This version forgets a default for `user` (a required input with no value) and reuses the
task id `greet`. The magic lists every problem with its line, in one short message, and
shows nothing else. (The cell is tagged `raises-exception`, so *Run All* goes on.)""",
    ),
    (
        "code",
        """%%kestra_flow
id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}"
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Bye {{ inputs.user }}"
""",
        RAISES,
    ),
    (
        "md",
        """Fixed: the input has a default and the second task is a different one. `--save`
writes the cell's source (never a rendered value) to `flows/company.team.hello.yml`
(`<namespace>.<id>.yml`, the naming of Kestra's flow files). Saving again keeps the previous
file as `.bak` (and older ones as `.bak.1`, `.bak.2`, ...: nothing is lost).""",
    ),
    (
        "code",
        """from pathlib import Path

Path("flows").mkdir(exist_ok=True)""",
    ),
    (
        "code",
        """%%kestra_flow --save flows/company.team.hello.yml
id: hello
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: World
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}"
  - id: notify
    type: io.kestra.plugin.core.http.Request
    uri: "https://{{ envs.api_host }}/notify"
    method: POST
    headers:
      Authorization: "Bearer {{ secret('API_TOKEN') }}"
""",
    ),
    (
        "md",
        """The saved file holds the expressions, not their values: Kestra renders them when it
runs the flow, with its own secrets and envs (`env_file: .env_encoded`, see
`docs/running-on-kestra.md`).""",
    ),
    ("code", 'print(Path("flows/company.team.hello.yml").read_text())'),
]

SECRETS_PAGE: list[Cell] = [
    (
        "md",
        """# 02 · Secrets in open-source Kestra, step by step

A walk through Kestra's documentation page on secrets (the open-source part): encoding a
value by hand, the `SECRET_` prefix, `secret()` without the prefix, `envs`, converting a
whole `.env`, the `base64encode` macro, and JSON secrets with `subkey`. Along the way:
how kestra_nb keeps the values out of this notebook, and where that protection stops.

No value is typed in this notebook: they come from `secrets-page.env` beside it (fake
values, in the shape of the page's example `.env`, plus the cases that go wrong).""",
    ),
    ("code", "%load_ext kestra_nb"),
    (
        "md",
        """## 1. Encoding one value by hand

The page encodes a password with `echo -n "<value>" | base64` and sets
`SECRET_MYPASSWORD` to the result. The first thing to do with a secret in a notebook is to
tell the extension about it: once a value is in the kernel's secret store, the output
masker hides it **and its base64 form** in every output.""",
    ),
    (
        "code",
        """import base64

from dotenv import dotenv_values

from kestra_nb.notebook.session import current

plain = dotenv_values("secrets-page.env")  # what python-dotenv (and Docker Compose) read
store = current().store  # the kernel's secret store, fed to the output masker
store.add("MYPASSWORD", plain["MYPASSWORD"])
sorted(plain)""",
    ),
    (
        "code",
        """encoded = base64.b64encode(plain["MYPASSWORD"].encode()).decode()
print("export SECRET_MYPASSWORD=" + encoded)""",
    ),
    (
        "md",
        """The page's shell command gives the same base64. Both outputs are masked, so the
comparison is made in code, and only its verdict is printed:""",
    ),
    (
        "code",
        """password = plain["MYPASSWORD"]
shell = !echo -n "$password" | base64
print(shell[0])
print("the shell's base64 is the same as Python's:", shell[0] == encoded)""",
    ),
    (
        "md",
        """## 2. The `SECRET_` prefix

Kestra reads only the environment variables whose name starts with `SECRET_` (case
matters), base64-decodes each value and names the secret by the rest of the name,
upper-cased. Other variables are not secrets. `SecretStore.from_environ` applies the same
rules to any mapping:""",
    ),
    (
        "code",
        """from kestra_nb import SecretStore

environment = {
    "SECRET_MYPASSWORD": encoded,
    "MYPASSWORD": "a plain variable, not a secret",
    "HOME": "/home/kestra",
}
kestra = SecretStore.from_environ(environment)
kestra.names(), kestra.get("MYPASSWORD") == plain["MYPASSWORD"]""",
    ),
    (
        "md",
        """## 3. `secret()` without the prefix

In a flow, the secret is `{{ secret('MYPASSWORD') }}`: the prefix only marks the variable.
The key is upper-cased before the lookup, so `secret('mypassword')` finds it too, while
`secret('SECRET_MYPASSWORD')` does not exist. `%kestra_render` shows secrets as
`******`.""",
    ),
    ("code", "%kestra_render {{ secret('MYPASSWORD') }} / {{ secret('mypassword') }}"),
    (
        "code",
        """from kestra_nb import Renderer, RenderError

renderer = Renderer(secrets=store)
try:
    renderer.render("{{ secret('SECRET_MYPASSWORD') }}")
except RenderError as exc:
    print(exc)""",
    ),
    (
        "md",
        """## 4. `envs`: variables that are not secret

For values that need no protection, Kestra reads the variables starting with `ENV_` (since
Kestra 0.23; `KESTRA_` before) and exposes each as `{{ envs.name }}`, where `name` is the
rest of the variable's name in lower case: the page's
`{{ envs.lowercase_environment_variable_key }}`. They are raw strings: no base64, no
masking.""",
    ),
    (
        "code",
        """environ = {"ENV_API_STAGE": "staging", "API_STAGE": "no prefix: not in envs"}
renderer = Renderer(environ=environ)
print(renderer.render("stage={{ envs.api_stage }}"))
renderer.envs""",
    ),
    (
        "md",
        """## 5. A whole `.env` → `.env_encoded`, and why the page's shell loop loses data

`secrets-page.env` has the page's simple entries plus the cases real files have: a token
longer than 57 bytes, a line ending in CRLF (saved on Windows), a quoted multi-line key, a
value ending in `=` and a JSON value. What each entry looks like (no values):""",
    ),
    (
        "code",
        """from pathlib import Path

from kestra_nb import parse_dotenv

raw = Path("secrets-page.env").read_bytes()
lines = raw.split(b"\\n")
for entry in parse_dotenv(raw.decode()).entries:
    value = entry.value.encode()
    traits = []
    if lines[entry.line - 1].endswith(b"\\r"):
        traits.append("CRLF line end")
    if b"\\n" in value:
        traits.append(str(len(entry.value.splitlines())) + " lines, quoted")
    if len(value) > 57:
        traits.append("longer than 57 bytes")
    if value.endswith(b"="):
        traits.append("ends with '='")
    print(f"line {entry.line:>2}  {entry.key:<20} {len(value):>3} bytes  {', '.join(traits)}")""",
    ),
    (
        "md",
        """The page's loop, run as written (only the file names changed):""",
    ),
    (
        "code",
        """%%bash
while IFS='=' read -r key value; do
    echo "SECRET_$key=$(echo -n "$value" | base64)";
done < secrets-page.env > bash.env_encoded""",
    ),
    (
        "md",
        """`kestra-nb encode` parses the file as python-dotenv does (quotes, multi-line values,
CRLF, `export`, comments) and writes one unwrapped base64 line per key. `%kestra_nb` runs the
`kestra-nb` command in this kernel, with the kernel's own Python (a `!kestra-nb` would need
the venv's `bin` on the kernel's PATH):""",
    ),
    ("code", "%kestra_nb encode secrets-page.env -o ours.env_encoded --force"),
    (
        "md",
        """`kestra-nb decode` reads an `.env_encoded` with Kestra's rules and lists the secret
names Kestra would get. The loop's output gives names that are not in the `.env` at all:
lines of the private key became variable names. Docker Compose v1 passes them into the
container (key material visible in `docker inspect`); Compose v2 and `docker run` reject the
whole file, losing every secret. `kestra-nb decode` counts those names but does not print
them: they are pieces of a value.""",
    ),
    ("code", "%kestra_nb decode bash.env_encoded"),
    ("code", "%kestra_nb decode ours.env_encoded"),
    (
        "md",
        """What Kestra would decode, compared with what python-dotenv reads from the `.env`
(no value is printed, only how it differs):""",
    ),
    (
        "code",
        """from kestra_nb import decode_dotenv


def kestra_reads(path):
    return decode_dotenv(Path(path).read_text(encoding="utf-8"), path=path).secrets


def verdict(got, want):
    if got is None:
        return "missing"
    if got == want:
        return "exact"
    if got == want + "\\r":
        return "'\\\\r' added at the end"
    if want.endswith("=") and got == want[:-1]:
        return "lost its trailing '='"
    if want.startswith(got):
        return f"cut: first {len(got)} of {len(want)} characters"
    if "\\n" in want and got == '"' + want.splitlines()[0]:
        return "first line only, opening quote included"
    return "different"


bash, ours = kestra_reads("bash.env_encoded"), kestra_reads("ours.env_encoded")
print(f"{'secret':<20} {'shell loop':<44} kestra-nb encode")
for key, want in plain.items():
    name = key.upper()
    print(f"{name:<20} {verdict(bash.get(name), want):<44} {verdict(ours.get(name), want)}")
known = {key.upper() for key in plain}
extra_bash, extra_ours = len(set(bash) - known), len(set(ours) - known)
print(f"names that are not in the .env: shell loop {extra_bash}, kestra-nb {extra_ours}")""",
    ),
    (
        "md",
        """Load the good file: every value is now in the store, so every output below masks
it.""",
    ),
    ("code", "%kestra_env ours.env_encoded"),
    (
        "md",
        """On a Kestra server, this file reaches Kestra as its secrets page says: through
Docker Compose's `env_file:`, which turns each `SECRET_<NAME>=<base64>` line into an
environment variable of the Kestra container. A `docker-compose.yml` beside the file just
written (the rest of Kestra's compose file, database and volumes, is left out here):""",
    ),
    (
        "code",
        """compose = Path("docker-compose.yml")
compose.write_text(
    \"\"\"services:
  kestra:
    image: kestra/kestra:latest
    command: server standalone
    env_file:
      - ours.env_encoded
    ports:
      - "8080:8080"
\"\"\"
)
print(compose.read_text())
print("ours.env_encoded holds", len(kestra_reads("ours.env_encoded")), "SECRET_* lines")""",
    ),
    (
        "md",
        """## 6. The `base64encode` macro

The page also suggests keeping values readable in the file with
`SECRET_X={{ "value" | base64encode }}`. `macro.env` is such a file. kestra_nb evaluates
the macro when it loads the file, so the secrets work here; Kestra's own `SecretService`
does not render anything: it base64-decodes the text as it is, fails on `{`, logs "Could
not decode secret" and skips the entry. `kestra-nb decode` says so. For a real server, keep
the plain values in a `.env` and convert it with `kestra-nb encode`.""",
    ),
    ("code", "%kestra_nb decode macro.env"),
    ("code", "%kestra_env macro.env"),
    (
        "code",
        "%kestra_render {{ 'the filter itself' | base64encode }} -> {{ secret('MACRO_TOKEN') }}",
    ),
    (
        "md",
        """## 7. Masking in output, and its limits

Every value in the store is masked in every output of the kernel (streams, rich output,
errors, shell commands), literally and in its common encodings (base64, URL, JSON,
`repr`, HTML), so it reaches neither the screen nor the saved `.ipynb`:""",
    ),
    (
        "code",
        """import json
import urllib.parse

token = store.get("SERVICE_TOKEN")
print(token)
print(urllib.parse.quote(token))
print(json.dumps({"token": token}))
{"token": token}""",
    ),
    (
        "md",
        """Masking is a safety net for accidents, not a barrier against code that wants to
reveal a value. A transformed value is not recognised. Shown here on a made-up value with
a `Masker` of its own (so no real secret leaks):""",
    ),
    (
        "code",
        """from kestra_nb import Masker

demo = Masker(["demo-value-not-a-secret"])
for text in [
    "as is: demo-value-not-a-secret",
    "in base64: " + base64.b64encode(b"demo-value-not-a-secret").decode(),
    "reversed: " + "demo-value-not-a-secret"[::-1],
    "upper-cased: " + "demo-value-not-a-secret".upper(),
    "spaced: " + " ".join("demo-value"),
]:
    print(demo.mask(text))""",
    ),
    (
        "md",
        """See `docs/secrets-and-masking.md` for the full list of what is protected and what is
not.

## 8. JSON secrets and `subkey`

A secret can hold JSON; `secret('NAME', subkey='key')` returns one field of it.
`DB_CREDENTIALS` came from `secrets-page.env`:""",
    ),
    (
        "code",
        """%%kestra_render
user={{ secret('DB_CREDENTIALS', subkey='user') }}
password={{ secret('DB_CREDENTIALS', subkey='password') }}""",
    ),
    (
        "code",
        """try:
    Renderer(secrets=store).render("{{ secret('DB_CREDENTIALS', subkey='port') }}")
except RenderError as exc:
    print(exc)""",
    ),
    (
        "md",
        """In a flow, a field of a JSON secret is masked like the rest:""",
    ),
    (
        "code",
        """%%kestra_flow
id: connect
namespace: company.team
tasks:
  - id: query
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: jdbc:postgresql://db.internal:5432/app
    username: "{{ secret('DB_CREDENTIALS', subkey='user') }}"
    password: "{{ secret('DB_CREDENTIALS', subkey='password') }}"
    sql: select 1
""",
    ),
]

CONVERT: list[Cell] = [
    (
        "md",
        """# 03 · Convert a `.env` into Kestra's `.env_encoded`

Open-source Kestra reads secrets from `SECRET_<NAME>=<base64>` environment variables,
usually from an `env_file: .env_encoded` in Docker Compose. The secrets panel converts a
`.env` into that file without losing anything (python-dotenv's syntax: quotes, `export`,
comments, multi-line values) and never shows a value.

`sample.env`, beside this notebook, holds fake values. In the panel you would type its path
and click **Preview .env**, then **Write .env_encoded**; here the same buttons are clicked
from code, so the notebook runs from top to bottom on its own.""",
    ),
    ("code", "%load_ext kestra_nb"),
    (
        "code",
        """from kestra_nb import SecretsPanel

panel = SecretsPanel()
panel""",
    ),
    ("md", "## Preview\n\nThe path goes into the `.env path` field, then **Preview .env**:"),
    (
        "code",
        """panel.env_path.value = "sample.env"
panel.preview_button.click()
print(panel.status.value)""",
    ),
    (
        "md",
        """The preview (also shown in the panel above) lists each key with its line and status,
values as `******`. `EMPTY_ON_PURPOSE` has no `=`, so python-dotenv gives it no value: it
is reported and not written.""",
    ),
    (
        "code",
        """from IPython.display import HTML

HTML(panel.preview.value)""",
    ),
    (
        "md",
        """## Write

**Write .env_encoded** writes beside the `.env` (the `Write to` field), with mode 0600,
atomically. If the file already exists (when this notebook runs a second time), the panel
asks first and says what each choice does, by name: **Merge** (the default) updates the
converted entries in place and keeps every other line, **Replace** writes the converted
`.env` alone. Either way the old file is kept as `.env_encoded.bak` (an older backup moves
to `.env_encoded.bak.1`, and so on; `.gitignore` covers them all). After writing, the panel
loads the new file into the kernel's secret store.""",
    ),
    (
        "code",
        """print("Write to:", panel.target.value)
panel.write_button.click()
if panel.confirm_box.layout.display != "none":  # the file exists: confirm
    print(panel.status.value)
    panel.merge_button.click()
print(panel.status.value)""",
    ),
    ("code", "%kestra_secrets --list"),
    (
        "md",
        """## Check the written file as Kestra would read it

`kestra-nb decode` (here as `%kestra_nb decode`, run by this kernel's Python) decodes every
`SECRET_*` entry with Kestra's rules (line breaks stripped, strict base64, UTF-8) and lists
the names; anything Kestra would drop is reported with its line. Values are never
printed.""",
    ),
    ("code", "%kestra_nb decode .env_encoded"),
    (
        "md",
        """The file itself holds only base64, which the masker recognises as a form of each
secret:""",
    ),
    (
        "code",
        """from pathlib import Path

print(Path(".env_encoded").read_text())""",
    ),
    (
        "md",
        """The secrets are ready for flows (`%kestra_render` and `%%kestra_flow` show them as
`******`):""",
    ),
    (
        "code",
        "%kestra_render Authorization: Bearer {{ secret('GITHUB_ACCESS_TOKEN') }}",
    ),
    (
        "md",
        """Next: run your flows on a Kestra server with this file as its `env_file` (see
`docs/running-on-kestra.md`), and keep `.env` and `.env_encoded` out of git.""",
    ),
]

RUN_ON_KESTRA: list[Cell] = [
    (
        "md",
        """# 04 · Run a flow on a Kestra server

From a `.env` to a running flow: encode the secrets the flow needs, give them to Kestra
through Docker Compose's `env_file:`, connect, deploy, run, and read the logs and outputs,
with every secret masked on the way.

This notebook needs a Kestra server. `docs/running-on-kestra.md` starts one with Docker
Compose; then start JupyterLab with `KESTRA_URL`, `KESTRA_USER` and `KESTRA_PASSWORD` in its
environment (the password is never typed into a cell: it would be saved with the notebook).
The test suite runs this notebook against a stand-in server that checks every request
against Kestra's OpenAPI description.""",
    ),
    ("code", "%load_ext kestra_nb"),
    (
        "md",
        """## 1. The secrets the server needs, encoded

`run.env`, beside this notebook, holds one fake secret in plain `KEY=value` form. Kestra
reads `SECRET_<NAME>=<base64>` variables, so the file is converted first (`%kestra_nb` runs
the `kestra-nb` command with this kernel's Python):""",
    ),
    ("code", "%kestra_nb encode run.env -o run.env_encoded --force"),
    ("code", "%kestra_nb decode run.env_encoded"),
    (
        "md",
        """## 2. Handed to Kestra by Docker Compose

Kestra's secrets page delivers the file through `env_file:`, which turns each line into an
environment variable of the Kestra container:""",
    ),
    (
        "code",
        """print(
    \"\"\"services:
  kestra:
    image: kestra/kestra:latest
    command: server standalone
    env_file:
      - run.env_encoded
\"\"\"
)""",
    ),
    (
        "md",
        """The same file, loaded in this kernel, makes every output below mask the values:""",
    ),
    ("code", "%kestra_env run.env_encoded"),
    (
        "md",
        """## 3. Connect

`%kestra_server` alone connects to `KESTRA_URL` (or `%config KestraMagics.server`), with the
user and password from the environment, and says what it connected to, never a
credential:""",
    ),
    ("code", "%kestra_server"),
    (
        "md",
        """## 4. Deploy and run

`--deploy` validates the flow locally and on the server, lists the secrets the server needs,
and deploys it (a new revision when it changed); `--run` starts an execution with the
inputs and follows it: log lines as they come (masked), a task-run table updated in place,
the final state and the outputs. The kernel's stop button asks Kestra to kill it.""",
    ),
    (
        "code",
        """%%kestra_flow --deploy --run --input user=Ada
id: hello_kestra
namespace: company.team
inputs:
  - id: user
    type: STRING
    defaults: World
tasks:
  - id: greet
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.user }}"
  - id: call
    type: io.kestra.plugin.core.log.Log
    message: "calling the API with {{ secret('API_TOKEN') }}"
  - id: answer
    type: io.kestra.plugin.core.debug.Return
    format: "{{ inputs.user }}!"
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.answer.value }}"
""",
    ),
    (
        "md",
        """## 5. The execution, from Python

The last run is left in `_kestra_execution`: its state, its task runs and its outputs.""",
    ),
    (
        "code",
        """execution = _kestra_execution
print(execution.state, [(run.task_id, run.state) for run in execution.task_runs])
dict(execution.outputs)""",
    ),
    (
        "md",
        """The same from a CI job: `kestra-nb deploy flows/*.yml` and `kestra-nb run
company.team.hello_kestra --input user=Ada --wait`, with the server and credentials from the
environment (see `docs/cli.md`).""",
    ),
]


NOTEBOOK_CELLS: dict[str, list[Cell]] = {
    "01-prototype-a-flow.ipynb": PROTOTYPE,
    "02-secrets-in-kestra.ipynb": SECRETS_PAGE,
    "03-convert-a-dotenv.ipynb": CONVERT,
    "04-run-on-kestra.ipynb": RUN_ON_KESTRA,
}


def build(name: str) -> nbformat.NotebookNode:
    """The notebook `name` as stored: no outputs, stable ids, the python3 kernel."""
    stem = name.split("-", 1)[0]
    nb = nbformat.v4.new_notebook()
    for i, cell in enumerate(NOTEBOOK_CELLS[name]):
        kind, source = cell[0], cell[1]
        tags = cell[2] if len(cell) > 2 else ()
        if kind == "md":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_code_cell(source)
        new["id"] = f"nb{stem}-{i:02d}"
        if tags:
            new.metadata["tags"] = list(tags)
        nb.cells.append(new)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def render(name: str) -> str:
    """The exact text of the stored `.ipynb`."""
    return nbformat.writes(build(name)) + "\n"


def main() -> int:
    """Write every notebook; print which ones changed."""
    for name in NOTEBOOK_CELLS:
        path = NOTEBOOKS / name
        text = render(name)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
