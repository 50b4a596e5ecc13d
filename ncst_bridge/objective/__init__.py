"""The matching objective: colour losses, the match loss and the parameter vector that solvers and the
network optimise. Below ``model`` and ``match``; depends only on ``grade``."""
