"""Your code for homework 3: `selection.py`, `lora.py`, `classifier.py`, `train_step.py`,
`prototypes.py`. Fill in every TODO."""
