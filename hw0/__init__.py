"""Homework 0: multi-task recommendation on MovieLens 100K (task conditioning and parameter sharing).

Provided modules: `config` (dataclasses), `training` (the loop), `evaluate` (MRR and MSE), `train`
(CLI), `experiments` (the experiment grid), `plots` (learning curves). Students edit only `submission/`.
"""
