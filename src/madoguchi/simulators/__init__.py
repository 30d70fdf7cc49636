"""Simulators: local stand-ins for the services Madoguchi cannot reach from a laptop or CI.

Today ``idp/`` plays the Digital Agency's Digital Authentication App and the national
identity PKI (J-LIS's JPKI: card certificates, CAs and CRLs); later ``payments/`` and
``card/`` will play a payment provider and the card reader. Each speaks the real
protocol (the same URLs, messages and certificate formats), so the production code that
talks to it is the code that talks to the real service, and nothing in it knows it is
talking to a simulator.

Invariants:

- Production code never imports a simulator. Where production code needs something a
  simulator provides (the test PKI's roots and CRLs), the simulator registers it with
  that code from its ``AppConfig.ready()`` (``madoguchi.signatures.trust``).
- A simulator hands out identities, certificates and payments to anyone who asks, so it
  can never load in production: only the development and test settings install the apps
  under ``madoguchi.simulators``; production settings refuse them
  (``madoguchi.settings.production``) and each app refuses to start unless its settings
  switch is on (``MADOGUCHI_DEVIDP_ENABLED``).
"""
