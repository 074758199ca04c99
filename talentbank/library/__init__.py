"""The lessons library (事例・ノウハウ): after-action notes, consultation summaries, uploaded documents, searchable in Japanese."""
