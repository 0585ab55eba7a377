"""The import hook serves the board's modules ahead of anything on sys.path."""

import sys

import pytest


def test_builtin_modules_win_over_site_packages(tmp_path, monkeypatch, sim):
    # A Blinka-style top-level digitalio.py on sys.path must not shadow ours.
    (tmp_path / "digitalio.py").write_text("SHADOW = True\n")
    (tmp_path / "board.py").write_text("SHADOW = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import board
    import digitalio

    assert not hasattr(digitalio, "SHADOW")
    assert not hasattr(board, "SHADOW")
    assert digitalio.__name__ == "protoboard.bindings.digitalio"
    assert sys.modules["digitalio"] is digitalio


def test_preimported_shadow_is_evicted(tmp_path, monkeypatch):
    from protoboard import importer
    from protoboard.testing import simulated_board

    (tmp_path / "busio.py").write_text("SHADOW = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importer.uninstall()
    import busio

    assert busio.SHADOW
    with simulated_board():
        import busio as ours

        assert not hasattr(ours, "SHADOW")
    sys.modules.pop("busio", None)


def test_spec_of_binding_is_kept(sim):
    import digitalio

    assert digitalio.__spec__.name == "protoboard.bindings.digitalio"


@pytest.mark.board("adafruit_neokey_trinkey_m0")
def test_real_board_module_list_is_honoured(sim):
    """The NeoKey Trinkey's firmware has no analogio or pwmio: neither do we on that board."""
    import board
    import digitalio  # noqa: F401  (compiled in on the real board)

    assert board.board_id == "adafruit_neokey_trinkey_m0"
    with pytest.raises(ModuleNotFoundError, match="No module named 'analogio'"):
        import analogio  # noqa: F401
    with pytest.raises(ModuleNotFoundError, match="No module named 'pwmio'"):
        import pwmio  # noqa: F401
