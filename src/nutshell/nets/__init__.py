"""Small networks from the history of deep learning, written to be read.

Each module stands alone and is imported on its own, so a numpy-only demo never pays for torch:

- :mod:`nutshell.nets.perceptron` — Rosenblatt's perceptron rule (numpy), plus line and grid helpers.
- :mod:`nutshell.nets.mlp` — a two-layer network trained with backpropagation (numpy), for XOR.
- :mod:`nutshell.nets.deep` — deep fully connected nets with a chosen activation and initialisation,
  per-layer gradient norms and a small training loop (torch).
- :mod:`nutshell.nets.alexnet` — the 2012 AlexNet and its CPU-sized copy (torch).

How training works (the "Training" demos; each module holds its demo's settings in one frozen object):

- :mod:`nutshell.nets.backprop_rules` — a network as matrix products, backpropagation by its rules, checked
  against autograd and finite differences, and costed (numpy).
- :mod:`nutshell.nets.optimizers` — gradient descent, momentum, Nesterov's look-ahead and RMSprop (numpy).
- :mod:`nutshell.nets.landscapes` — surfaces to descend (valley, saddle, plateau and cliff) and a small
  digits network, with the measurements the landscape demo makes (numpy).
- :mod:`nutshell.nets.relu` — slopes, depth against training speed, and dead units, on top of ``deep``.
- :mod:`nutshell.nets.regularisation` — L1, L2 (and its proximal step) and dropout on an overfitting
  digits network, with the measurements the regularisation demo makes (numpy).

Nothing is imported here on purpose: ``import nutshell.nets`` must stay instant.
"""
