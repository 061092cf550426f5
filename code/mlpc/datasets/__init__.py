"""The course's data library: real data shipped in PyPI packages and physically faithful generators.

Import the submodule you need (nothing heavy is imported here):

- ``mlpc.datasets.micrographs``: polycrystals, two-phase structures, pores/cracks/inclusions, lattice images
- ``mlpc.datasets.imaging``: how an instrument forms the image (PSF, Poisson/read noise, scan jitter,
  drift, uneven illumination, sampling/aliasing)
- ``mlpc.datasets.stereology``: ASTM E112 grain size (intercept, planimetric, G), phase fraction estimates
- ``mlpc.datasets.book_data``: the companion book's data (``mdsdata``, Sandfeld, *Materials Data Science*)
- ``mlpc.datasets.xrd``, ``mlpc.datasets.eds``, ``mlpc.datasets.eels``, ``mlpc.datasets.spectrum_images``:
  spectra and spectrum images (synthetic, and real from ``pymatgen``/``exspy``)
- ``mlpc.datasets.ebsd``, ``mlpc.datasets.stem4d``: diffraction patterns (``kikuchipy`` Ni; 4D-STEM)
- ``mlpc.datasets.process``, ``mlpc.datasets.tabular``: LPBF melt-pool signals, process maps, thermal
  histories; process–property tables
"""
