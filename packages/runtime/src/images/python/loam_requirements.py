"""Installs a code directory's dependencies with pip, as SageMaker's toolkits do, for Loam's script mode.

One helper for both sides of script mode:

- training (loam_script_launcher.py), as sagemaker-training-toolkit's entry_point.install: a source
  directory with setup.py is installed as a package (`python -m pip install . [-r requirements.txt]`,
  InstallModuleError), else its requirements.txt (`python -m pip install -r requirements.txt`,
  InstallRequirementsError);
- serving (model-server/python/loam_model_server.py), as the scikit-learn and XGBoost serving containers
  do (sagemaker-containers' _modules.import_module): the same for `<model_dir>/code`, before the model
  server starts.

pip never writes into the configured interpreter: the packages go into a virtual environment (`home`, in
the job's or the instance's own temporary directory) that sees every package the interpreter already has,
so a requirement those satisfy (numpy, scikit-learn, ...) passes without a download. An interpreter
without pip cannot install anything: that is an InstallError too. pip runs in the code directory with the
process's environment (PIP_INDEX_URL, PIP_FIND_LINKS ... from the job's or the model's Environment), its
output streamed to this process's. Only the standard library is used.
"""
import os
import site
import subprocess
import sys
import venv

REQUIREMENTS = "requirements.txt"
SETUP = "setup.py"


class InstallError(Exception):
    """pip (or the environment it needs) failed; str() is the toolkit's _CalledProcessError text."""

    def __init__(self, kind, cmd, code, error):
        super().__init__(error)
        self.kind = kind
        self.cmd = cmd
        self.code = code
        self.error = error.strip()

    def __str__(self):
        return '%s:\nExitCode %s\nErrorMessage "%s"\nCommand "%s"' % (self.kind, self.code, self.error, self.cmd)


def what_to_install(code_dir):
    """(error kind, file, pip arguments) for the code directory, or None when it has nothing to install: a
    setup.py makes the directory a package to install; otherwise only requirements.txt counts."""
    has_requirements = os.path.isfile(os.path.join(code_dir, REQUIREMENTS))
    if os.path.isfile(os.path.join(code_dir, SETUP)):
        return ("InstallModuleError", SETUP, ["."] + (["-r", REQUIREMENTS] if has_requirements else []))
    if has_requirements:
        return ("InstallRequirementsError", REQUIREMENTS, ["-r", REQUIREMENTS])
    return None


def _environment(home):
    """A virtual environment at `home` that sees the interpreter's own packages; its python."""
    venv.EnvBuilder(system_site_packages=True, with_pip=False, clear=True, symlinks=True).create(home)
    python = os.path.join(home, "bin", "python")
    # An interpreter that is itself a virtual environment's: system_site_packages reaches only its base
    # installation, so its own site-packages are added by a .pth file (after the job's, as pip expects).
    if sys.prefix != sys.base_prefix:
        purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True, capture_output=True, text=True).stdout.strip()
        with open(os.path.join(purelib, "_loam_parent_site.pth"), "w", encoding="utf-8") as f:
            f.write("\n".join(site.getsitepackages()) + "\n")
    return python


def install(code_dir, home):
    """Installs what the code directory needs into a virtual environment at `home`; returns its python,
    or None when there is nothing to install (the program then runs with this interpreter).
    @raises InstallError with pip's ERROR lines (or its last lines) when anything fails."""
    found = what_to_install(code_dir)
    if found is None:
        return None
    kind, what, pip_args = found
    shown = "%s -m pip install %s" % (sys.executable, " ".join(pip_args))
    try:
        import pip  # noqa: F401  (only whether the interpreter has it)
    except ImportError:
        raise InstallError(kind, shown, 1, "No module named pip: the interpreter %s has no pip, so %s cannot be installed (install pip for it, e.g. Debian's python3-pip, or remove %s from the code directory)" % (sys.executable, what, what))
    try:
        python = _environment(home)
    except Exception as e:  # venv missing or the temporary directory not writable: nothing can be installed
        raise InstallError(kind, "%s -m venv --system-site-packages" % sys.executable, 1, "The environment for %s could not be created: %s" % (what, e))
    print("Installing %s:\n%s" % ("dependencies from requirements.txt" if what == REQUIREMENTS else "the code directory as a package (setup.py)", shown), flush=True)
    env = dict(os.environ)
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    env.setdefault("PIP_NO_INPUT", "1")
    proc = subprocess.Popen([python, "-m", "pip", "install"] + pip_args, cwd=code_dir, env=env, stdin=subprocess.DEVNULL, stdout=sys.stdout, stderr=subprocess.PIPE, text=True, errors="replace")
    errors, tail = [], []
    for line in proc.stderr:
        sys.stderr.write(line)
        sys.stderr.flush()
        text = line.rstrip("\n")
        tail = (tail + [text])[-5:]
        if text.startswith("ERROR:"):
            errors.append(text)
    code = proc.wait()
    if code != 0:
        raise InstallError(kind, shown, code, "\n".join(errors or tail))
    return python
