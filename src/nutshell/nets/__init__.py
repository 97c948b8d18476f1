"""Small networks from the history of deep learning, written to be read.

Each module stands alone and is imported on its own, so a numpy-only demo never pays for torch:

- :mod:`nutshell.nets.perceptron` — Rosenblatt's perceptron rule (numpy), plus line and grid helpers.
- :mod:`nutshell.nets.mlp` — a two-layer network trained with backpropagation (numpy), for XOR.
- :mod:`nutshell.nets.deep` — deep fully connected nets with a chosen activation and initialisation,
  per-layer gradient norms and a small training loop (torch).

Nothing is imported here on purpose: ``import nutshell.nets`` must stay instant.
"""
