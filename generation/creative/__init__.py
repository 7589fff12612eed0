"""The creative studio's site side: model cards, the prompt builder and its unknown-word help,
poem pictures and their cards, counterfactual "surprise me", and recipe mode. The prompt logic
itself is plain Python in generation/prompting; this package turns it into services, API views
and pages."""
