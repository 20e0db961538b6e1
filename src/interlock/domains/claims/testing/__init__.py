"""Test harnesses of the claims domain: hand-made claims, scripted models, fault and crash runs.

Internal to Interlock's own test suite and drills; the public testing API that any
domain's tests use is :mod:`interlock.testing`.
"""
