"""The data a mock node serves: a :class:`Dataset`, the built-in demo data and fixture files.

``demo_dataset()`` gives two HEIs with units, contacts, factsheets, IIAs and
LAs in every state; ``load_dataset(dir)`` reads a fixture directory (EWP XML and a TOML
file, see ``docs/mock-data.md``) and ``dump_dataset(dataset, dir)`` writes one.
"""

from .dataset import Dataset, HeiData
from .dataset_file import DATASET_FILE
from .demo import UNI_A, UNI_B, demo_dataset
from .factsheets import bare_factsheet
from .fixtures import (
    APPROVED_DIR,
    FACTSHEETS_DIR,
    IIAS_DIR,
    LAS_DIR,
    RECEIVED_IIAS_DIR,
    RECEIVED_LAS_DIR,
    dump_dataset,
    load_dataset,
)

__all__ = [
    "APPROVED_DIR",
    "DATASET_FILE",
    "FACTSHEETS_DIR",
    "IIAS_DIR",
    "LAS_DIR",
    "RECEIVED_IIAS_DIR",
    "RECEIVED_LAS_DIR",
    "UNI_A",
    "UNI_B",
    "Dataset",
    "HeiData",
    "bare_factsheet",
    "demo_dataset",
    "dump_dataset",
    "load_dataset",
]
