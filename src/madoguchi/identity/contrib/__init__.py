"""The identity provider backends that ship with Madoguchi, one package each."""
