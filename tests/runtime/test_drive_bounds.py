"""What a program can touch, and how much: every path is a drive path (issue 10, case 15) and a
folder drive has a size, reported by os.statvfs and enforced with ENOSPC (case 14). Real
``protoboard run`` processes; each program prints one ``name: result`` line per probe."""

from __future__ import annotations

import os
import textwrap

import pytest

pytestmark = pytest.mark.hostile


@pytest.fixture(autouse=True)
def _host_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """These programs use pathlib, shutil and glob, which a board has not: they opt in to the host's
    modules (docs: "What a program can import"), as a user who wants them would."""
    monkeypatch.setenv("PROTOBOARD_HOST_PACKAGES", "*")


BOOT = "import storage\nstorage.remount('/', readonly=False)\n"
DONE = r"Code done running\."


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def results(output: str) -> dict[str, str]:
    """The ``name: result`` lines of a probe program."""
    found = {}
    for line in output.splitlines():
        name, sep, rest = line.partition(": ")
        if sep and name.startswith("probe-"):
            found[name[len("probe-") :]] = rest.strip()
    return found


PROBE = """
def probe(name, action):
    try:
        result = action()
    except OSError as exc:
        result = f"OSError {exc.errno}"
    except Exception as exc:
        result = f"{type(exc).__name__} {exc}"
    print(f"probe-{name}: {result}")
"""


def test_case_15_dot_dot_stays_on_the_drive(tmp_path, start_board):
    """``open('../x', 'w')`` after a remount wrote next to the drive; on a board ``..`` of the
    top folder is the top folder."""
    board = start_board(
        {"boot.py": BOOT, "code.py": "open('../x', 'w').write('mine')\nprint('wrote')\n"}
    )
    board.wait_for(DONE)
    assert "wrote" in board.output
    assert not (tmp_path / "x").exists()
    assert (board.drive / "x").read_text() == "mine"


def test_case_15_every_path_is_a_drive_path(tmp_path, start_board):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("host")
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "out").symlink_to(outside)
    (drive / "lib").mkdir()
    (drive / "lib" / "helper.py").write_text("VALUE = 42\n")
    program = PROBE + code(
        f"""
        import os, shutil, pathlib
        from helper import VALUE
        probe('import', lambda: VALUE)
        probe('listdir', lambda: sorted(os.listdir('/')) == sorted(os.listdir('..')))
        probe('passwd', lambda: open('/etc/passwd').read()[:4])
        probe('devnull', lambda: open('/dev/null', 'w'))
        probe('host-abs', lambda: open({str(outside / "new.txt")!r}, 'w'))
        probe('host-read', lambda: open({str(outside / "secret.txt")!r}).read())
        probe('link-read', lambda: open('/out/secret.txt').read())
        probe('link-write', lambda: open('out/new.txt', 'w'))
        probe('link-list', lambda: os.listdir('/out'))
        os.mkdir('/sub')
        os.chdir('/sub')
        probe('cwd', os.getcwd)
        os.chdir('../../..')
        probe('cwd-up', os.getcwd)
        probe('rename', lambda: os.rename('/code.py', '../../moved.py') or 'ok')
        probe('copy', lambda: shutil.copy('/moved.py', '/../../copy.py'))
        probe('osopen', lambda: os.close(os.open('../y', os.O_WRONLY | os.O_CREAT)) or 'ok')
        probe('resolve', lambda: str(pathlib.Path('..').resolve()))
        probe('abspath', lambda: os.path.abspath('../../z'))
        probe('walk', lambda: sorted(d for d, _, _ in os.walk('/')))
        probe('scandir', lambda: sorted(e.path for e in os.scandir('/sub/..')))
        probe('error-name', lambda: open('/missing.txt'))
        """
    )
    board = start_board({"boot.py": BOOT, "code.py": program})
    board.wait_for(DONE)
    found = results(board.output)
    enoent = "OSError 2"
    assert found["import"] == "42"
    assert found["listdir"] == "True"
    assert found["passwd"] == enoent
    assert found["devnull"] == enoent
    assert found["host-abs"] == enoent
    assert found["host-read"] == enoent
    assert found["link-read"] == enoent
    assert found["link-write"] == enoent
    assert found["link-list"] == enoent
    assert found["cwd"] == "/sub"
    assert found["cwd-up"] == "/"
    assert found["rename"] == "ok"
    assert found["copy"] == "/../../copy.py"  # shutil returns the name it was given
    assert found["osopen"] == "ok"
    assert found["resolve"] == "/"
    assert found["abspath"] == "/z"
    assert found["walk"] == "['/', '/lib', '/sub']"
    assert found["scandir"].startswith("['/sub/../")
    assert sorted(os.listdir(outside)) == ["secret.txt"]
    assert sorted(os.listdir(tmp_path)) == ["CIRCUITPY", "outside"]
    assert {"moved.py", "copy.py", "y"} <= set(os.listdir(drive))


def test_case_14_a_folder_drive_fills_up(start_board):
    """A program wrote 256 MiB to a folder drive; a board's drive holds a few MB."""
    program = PROBE + code(
        """
        import os
        st = os.statvfs('/')
        probe('size', lambda: st[0] * st[2])
        probe('bsize', lambda: st[0])
        def fill():
            with open('/big.bin', 'wb') as f:
                for _ in range(64):
                    f.write(bytes(65536))
        probe('fill', fill)
        probe('filled', lambda: os.stat('/big.bin').st_size)
        probe('free', lambda: os.statvfs('/')[3])
        probe('again', fill)
        os.remove('/big.bin')
        probe('after-delete', lambda: os.statvfs('/')[3] * os.statvfs('/')[0] > 1900000)
        """
    )
    board = start_board({"boot.py": BOOT, "code.py": program})
    board.wait_for(DONE)
    found = results(board.output)
    size = int(found["size"])
    assert 1_900_000 < size <= 2 << 20
    assert found["bsize"] == "512"
    assert found["fill"] == "OSError 28"
    assert 1_900_000 < int(found["filled"]) <= size
    assert found["free"] == "0"
    assert found["after-delete"] == "True"
    assert board.output.count("CIRCUITPY is full") == 1  # said once, plainly
    assert "--drive-size" in board.output


def test_case_14_drive_size_option(start_board):
    program = PROBE + "import os\nprobe('size', lambda: os.statvfs('/')[0] * os.statvfs('/')[2])\n"
    board = start_board({"boot.py": BOOT, "code.py": program}, args=("--drive-size", "8"))
    board.wait_for(DONE)
    assert 8_000_000 < int(results(board.output)["size"]) <= 8 << 20


def test_the_rest_of_the_class(start_board):
    """Other ways to grow a drive: a copy through sendfile, a seek far past the end, a
    truncate, thousands of empty files, very long names, deep folders, os.write."""
    program = PROBE + code(
        """
        import os, shutil
        with open('/seed.bin', 'wb') as f:
            f.write(bytes(900_000))
        probe('copy', lambda: [shutil.copyfile('/seed.bin', f'/c{i}.bin') for i in range(3)])
        for i in range(3):
            try:
                os.remove(f'/c{i}.bin')
            except OSError:
                pass
        def seek_far():
            with open('/sparse.bin', 'wb') as f:
                f.seek(100 << 20)
                f.write(b'x')
        probe('seek', seek_far)
        def grow():
            with open('/t.bin', 'wb') as f:
                f.truncate(100 << 20)
        probe('truncate', grow)
        def many():
            for i in range(5000):
                open(f'/e{i}', 'w').close()
        probe('many', many)
        probe('many-count', lambda: sum(1 for n in os.listdir('/') if n.startswith('e')) < 600)
        for n in os.listdir('/'):
            if n.startswith('e'):
                os.remove('/' + n)
        probe('long', lambda: open('/' + 'n' * 300, 'w'))
        probe('badname', lambda: open('/a:b', 'w'))
        def deep():
            path = ''
            for i in range(5000):
                path += '/' + 'd' * 60
                os.mkdir(path)
        probe('deep', deep)
        def raw():
            fd = os.open('/raw.bin', os.O_WRONLY | os.O_CREAT)
            try:
                for _ in range(100):
                    os.write(fd, bytes(65536))
            finally:
                os.close(fd)
        probe('raw', raw)
        """
    )
    board = start_board({"boot.py": BOOT, "code.py": program})
    board.wait_for(DONE, timeout=60)
    found = results(board.output)
    assert found["copy"] == "OSError 28"
    assert found["seek"] == "OSError 28"
    assert found["truncate"] == "OSError 28"
    assert found["many"] == "OSError 13"  # FAT's top folder holds 512 entries: FR_DENIED
    assert found["many-count"] == "True"
    assert found["long"] == "OSError 22"
    assert found["badname"] == "OSError 22"
    assert found["deep"].startswith("OSError")
    assert found["raw"] == "OSError 28"
    total = sum(
        os.path.getsize(os.path.join(folder, name))
        for folder, _, names in os.walk(board.drive)
        for name in names
    )
    assert total <= 2 << 20


def test_case_14_an_image_drive_holds_what_its_image_holds(tmp_path, start_board):
    """With --image the program writes to a working folder first: it gets ENOSPC at the
    image's size, not when the image sync fails later."""
    from protoboard.runtime.fatimage import ImageDrive

    image = tmp_path / "CIRCUITPY.img"
    prepare = ImageDrive(image, tmp_path / "prepare")
    prepare.create(1 << 20)
    prepare.open()
    (prepare.work / "boot.py").write_text(BOOT)
    (prepare.work / "code.py").write_text(
        PROBE
        + code(
            """
            import os
            probe('size', lambda: os.statvfs('/')[0] * os.statvfs('/')[2])
            def fill():
                with open('/big.bin', 'wb') as f:
                    for _ in range(32):
                        f.write(bytes(65536))
            probe('fill', fill)
            """
        )
    )
    prepare.sync_to_image()
    board = start_board(drive=tmp_path / "unused", args=("--image", str(image)))
    board.wait_for(DONE)
    found = results(board.output)
    assert 900_000 < int(found["size"]) <= 1 << 20
    assert found["fill"] == "OSError 28"
