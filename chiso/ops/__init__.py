"""Operations: backups and restores, integrity checks, the synthetic national dataset.

These read and write every app's tables, so the app sits in the top layer beside the CLI."""
