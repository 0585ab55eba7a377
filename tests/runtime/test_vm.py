"""Running a program: outcomes, CircuitPython-style tracebacks, import path, cleanup."""

from protoboard.vm import Outcome


def test_success_and_sys_exit(run_code, capsys):
    assert run_code("print('hi')").outcome is Outcome.SUCCESS
    assert run_code("import sys\nprint('bye')\nsys.exit()\nprint('never')").outcome is (
        Outcome.SUCCESS
    )
    assert capsys.readouterr().out == "hi\nbye\n"


def test_traceback_names_the_file_and_line(run_code):
    result = run_code("""
        def blink():
            undefined_name

        blink()
    """)
    assert result.outcome is Outcome.EXCEPTION
    assert result.traceback.splitlines() == [
        "Traceback (most recent call last):",
        '  File "code.py", line 5, in <module>',
        '  File "code.py", line 3, in blink',
        "NameError: name 'undefined_name' is not defined",
    ]


def test_errors_from_bindings_keep_circuitpython_text(run_code):
    result = run_code("""
        import board, digitalio
        a = digitalio.DigitalInOut(board.D13)
        b = digitalio.DigitalInOut(board.LED)
    """)
    lines = result.traceback.splitlines()
    assert lines[-2] == "ValueError: D13 in use"  # then Protoboard's hint (protoboard.hints)
    assert lines[-1].startswith("(Hint: D13 ")
    assert (
        "_peripheral" not in result.traceback and "contextlib" not in result.traceback
    )  # no Protoboard internals in the traceback


def test_time_limit_stops_a_busy_loop_and_a_sleep(run_code):
    assert run_code("while True:\n    pass\n", timeout=0.3).outcome is Outcome.TIMEOUT
    assert run_code("import time\ntime.sleep(60)\n", timeout=0.3).outcome is Outcome.TIMEOUT


def test_except_exception_does_not_swallow_the_stop(run_code):
    code = """
        while True:
            try:
                while True:
                    pass
            except Exception:
                pass
    """
    assert run_code(code, timeout=0.3).outcome is Outcome.TIMEOUT


def test_reset_is_reported(run_code):
    assert run_code("import microcontroller\nmicrocontroller.reset()").outcome is Outcome.RESET


def test_lib_folder_and_module_cleanup(tmp_path, run_code, sim):
    drive = tmp_path / "drive"
    (drive / "lib").mkdir(parents=True)
    (drive / "lib" / "helper.py").write_text("VALUE = 1\n")
    code = drive / "code.py"
    code.write_text("import helper\nprint(helper.VALUE)\n")
    assert run_code(code).outcome is Outcome.SUCCESS
    (drive / "lib" / "helper.py").write_text("VALUE = 2\n")
    import sys

    assert "helper" not in sys.modules  # forgotten, so the next run sees the new file
    assert run_code(code).outcome is Outcome.SUCCESS


def test_program_sees_the_sim_state(run_code, sim):
    sim.part("BUTTON").press()
    result = run_code("""
        import board, digitalio
        b = digitalio.DigitalInOut(board.BUTTON)
        b.pull = digitalio.Pull.UP
        assert b.value is False, "pressed button reads low"
    """)
    assert result.outcome is Outcome.SUCCESS, result.traceback


def test_run_code_accepts_a_file_name(run_code, capsys):
    result = run_code("examples/potentiometer/code.py", timeout=0.3)
    assert result.outcome is Outcome.TIMEOUT
    assert capsys.readouterr().out.startswith("A1:     0  (0.00 V)")


def test_potentiometer_example_reads_the_knob(sim, run_code, capsys):
    sim.add("Potentiometer", pin="A1", position=0.5)
    run_code("examples/potentiometer/code.py", timeout=0.3)
    assert "(1.65 V)" in capsys.readouterr().out.splitlines()[0]


def test_the_programs_collector_sees_only_the_programs_objects(run_code, capsys):
    import gc

    gc.collect()
    gc.disable()  # keep the host's garbage until the program's collection looks for it
    try:
        for _ in range(1000):  # host garbage: cycles only a collection frees
            node: dict = {}
            node["self"] = node
        del node
        result = run_code("""
            import gc
            print('found', gc.collect())
        """)
        found = int(capsys.readouterr().out.split()[-1])
        assert result.outcome is Outcome.SUCCESS
        # the runtime's and the host's objects were frozen for the run (a board's collector
        # scans the program's heap only): the program's collection did not see those cycles
        assert found < 1000 and gc.get_freeze_count() == 0
        assert gc.collect() >= 1000  # after the run they are collectable again
    finally:
        gc.enable()
