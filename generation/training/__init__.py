"""Training of InstantPainting's GALIP models: data (folders, JSONL, synthetic renders),
CLIP screening, a small CLIP, the GALIP trainer, export to engine packages, evaluation.

Pure PyTorch / PIL / numpy, no Django. The command line is `python -m generation.training`.
"""
