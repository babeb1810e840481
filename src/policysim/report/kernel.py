"""The Jupyter kernel report notebooks run in: the project's, or this interpreter's.

A kernelspec is a small ``kernel.json`` telling Jupyter which command starts a kernel.
``ipykernel install`` writes the absolute path of the interpreter into it, so a venv moved
or cloned elsewhere keeps a kernel that points at the old folder. The spec written here
says ``python`` instead: jupyter_client replaces a bare ``python`` with the interpreter that
starts the kernel (``sys.executable``), and the spec is installed inside the environment
(``--sys-prefix``), where only that environment's Jupyter looks. It moves with the folder.

After a plain ``pip install '.[notebooks]'`` there is no ``policysim`` kernel at all;
:func:`kernel_manager_options` then makes a spec on the fly, in a temporary folder, for the
running interpreter, which has policysim installed since it is running it.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

from policysim.errors import UserError

#: The project's kernel name (``make venv`` installs it; notebooks name it in metadata).
NAME = "policysim"
DISPLAY_NAME = "policysim (.venv)"


def spec_dict(display_name: str = DISPLAY_NAME) -> dict:
    """The kernel.json of a kernel run by whichever interpreter starts it."""
    return {
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "metadata": {"debugger": True},
    }


def write_spec(directory: Path, display_name: str = DISPLAY_NAME) -> Path:
    """Write ``directory/kernel.json``; return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kernel.json").write_text(json.dumps(spec_dict(display_name), indent=1))
    return directory


def install(name: str = NAME, prefix: str | None = None) -> str:
    """Install the relocatable kernel ``name`` into ``prefix`` (default: this environment).

    Returns:
        The folder the spec was installed to.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        src = write_spec(Path(tmp) / name)
        return KernelSpecManager().install_kernel_spec(str(src), name, prefix=prefix or sys.prefix)


def installed(name: str) -> bool:
    """True if Jupyter knows a kernel called ``name``."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return False
    return True


def fallback_spec_manager(directory: Path):
    """A spec manager that finds only a ``policysim`` kernel for the running interpreter,
    written into ``directory``."""
    from jupyter_client.kernelspec import KernelSpecManager

    if importlib.util.find_spec("ipykernel") is None:
        raise UserError(
            f"the Jupyter kernel {NAME!r} is not installed and this interpreter "
            f"({sys.executable}) has no ipykernel; install the notebooks extra: "
            "pip install 'policysim[notebooks]'"
        )
    write_spec(directory / "kernels" / NAME, f"policysim ({sys.executable})")
    return KernelSpecManager(kernel_dirs=[str(directory / "kernels")])


def resolve(kernel: str, scratch: Path, log) -> object | None:
    """Check ``kernel`` exists; return the spec manager to use, or None for Jupyter's own.

    The project kernel missing means "use this interpreter" (said once on ``log``); any
    other kernel missing is the user's to fix.

    Raises:
        UserError: A kernel other than ``policysim`` that is not installed.
    """
    if installed(kernel):
        return None
    if kernel != NAME:
        raise UserError(
            f"--kernel {kernel}: expected an installed Jupyter kernel, found none of that name "
            "(`jupyter kernelspec list` lists them)"
        )
    log(f"the Jupyter kernel {NAME!r} is not installed: running the notebook in this "
        f"interpreter ({sys.executable})")
    return fallback_spec_manager(scratch)


if __name__ == "__main__":  # python -m policysim.report.kernel: what `make venv` runs
    print(install())
