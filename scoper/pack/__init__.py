"""The weekly priorities pack, one job a module:

- ``model``: the pack as values (papers in order, tracker, register, left-out briefs);
- ``select``: which checked briefs go in (the week's; no clashing names);
- ``build``: the front door, ``build_pack``: check, choose, render what is stale, remember;
- ``job``: one run's rendering and writing, in PDF worker processes;
- ``cache`` and ``files``: keys, the manifest, and reading each input once, safely;
- ``assemble``: the pack PDF from its parts (pikepdf);
- ``grid``: the papers at a glance (the front grid) and the cover's facts;
- ``snapshot`` and ``changes``: what a pack held, and what changed since an earlier one;
- ``tracker``: the action tracker as CSV.
"""
