"""The notebook layer: everything that imports IPython or ipywidgets lives below here."""
