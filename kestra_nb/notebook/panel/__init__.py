"""`SecretsPanel`: list, add, convert and save Kestra secrets in an ipywidgets panel.

Every ipywidgets trait is synced to the browser and may be saved into the `.ipynb` with the
widget state (ipywidgets #1747/#1793), so this panel never keeps a secret value, its length
or any encoding of it in a trait:

- the Password field is read and cleared in the same kernel message that brings its value
  (the value is held in a private Python attribute until "Add secret"), it never echoes the
  value back (`echo_update=False`) and it syncs only on blur/Enter (`continuous_update=False`);
- an uploaded `.env` is read and the FileUpload value cleared at once; the preview shows keys
  and statuses with values as `******`;
- the list shows names, sources, `******` and the `{{ secret('NAME') }}` snippet only;
- status messages name files, lines and keys, never a value; handlers never raise (a
  traceback in verbose mode would print local variables).

The value still travels once from the browser to the kernel over the kernel's websocket in
plain text: that is how every ipywidgets input works.

One module per section: `listing` (names, paging, filter), `add` (a typed secret),
`convert` (a `.env` previewed and written), `file` (Save and Reload of the bound file);
`app` is the shell (layout, status line, store and file wiring), `common` what the sections
share, `preview` the converter's preview rows.
"""

from __future__ import annotations

from .add import SecretInput, name_problem
from .app import SecretsPanel
from .listing import PAGE_SIZE
from .preview import preview_rows

__all__ = ["PAGE_SIZE", "SecretInput", "SecretsPanel", "name_problem", "preview_rows"]
