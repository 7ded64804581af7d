"""The properties: one module per lecture topic, each a Hypothesis-driven check of a spec claim.

Installed as ``rnnspec.properties``; ``rnnspec verify`` and the pytest plugin run them.
"""

PROPERTY_MODULES = ("test_equivalence", "test_semantics", "test_stacked", "test_bidirectional", "test_gru",
                    "test_references")
