"""Loam's script-mode launcher: installs the source directory's requirements.txt, then runs the program.

SageMaker's framework containers (sagemaker-training-toolkit, entry_point.install) run
`<python> -m pip install -r requirements.txt` in the code directory before a Python program starts, log
pip's output, and fail the job with InstallRequirementsError when pip fails. Loam does the same, with two
differences a shared machine needs:

- pip never writes into the configured interpreter: the packages go into a virtual environment of this
  job (in the job's own temporary directory) that sees every package the interpreter already has, so a
  requirement those satisfy (numpy, scikit-learn, ...) passes without a download;
- an interpreter without pip cannot install anything: the job fails saying so.

Runs as the job's own user, in its sandbox, with the job's environment (PIP_INDEX_URL, PIP_FIND_LINKS ...
from the job's Environment reach pip). Usage: loam_script_launcher.py <program.py> [args ...]; the
working directory is the code directory. Only the standard library is used.
"""
import os
import site
import subprocess
import sys
import tempfile
import venv

REQUIREMENTS = "requirements.txt"


def _write_failure(message):
    """The job's FailureReason (the runner reads the first 1024 characters of output/failure)."""
    path = os.path.join(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"), "failure")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(message)
    except OSError as e:
        print("Could not write %s: %s" % (path, e), file=sys.stderr)


def _fail(cmd, code, error):
    # The toolkit's _CalledProcessError text, with the prefix SageMaker puts before an algorithm's failure.
    message = 'AlgorithmError: InstallRequirementsError:\nExitCode %s\nErrorMessage "%s"\nCommand "%s"' % (code, error.strip(), cmd)
    print(message, file=sys.stderr, flush=True)
    _write_failure(message)
    sys.exit(1)


def _environment():
    """A virtual environment of this job that sees the interpreter's own packages; its python."""
    home = os.path.join(tempfile.gettempdir(), "loam-requirements")
    venv.EnvBuilder(system_site_packages=True, with_pip=False, clear=True, symlinks=True).create(home)
    python = os.path.join(home, "bin", "python")
    # An interpreter that is itself a virtual environment's: system_site_packages reaches only its base
    # installation, so its own site-packages are added by a .pth file (after the job's, as pip expects).
    if sys.prefix != sys.base_prefix:
        purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], check=True, capture_output=True, text=True).stdout.strip()
        with open(os.path.join(purelib, "_loam_parent_site.pth"), "w", encoding="utf-8") as f:
            f.write("\n".join(site.getsitepackages()) + "\n")
    return python


def _install(python):
    """pip install -r requirements.txt with the job's python, its output streamed to the job's log."""
    cmd = [python, "-m", "pip", "install", "-r", REQUIREMENTS]
    shown = "%s -m pip install -r %s" % (sys.executable, REQUIREMENTS)
    print("Installing dependencies from requirements.txt:\n%s" % shown, flush=True)
    env = dict(os.environ)
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    env.setdefault("PIP_NO_INPUT", "1")
    proc = subprocess.Popen(cmd, env=env, stdout=sys.stdout, stderr=subprocess.PIPE, text=True, errors="replace")
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
        _fail(shown, code, "\n".join(errors or tail))


def main():
    if len(sys.argv) < 2:
        print("usage: loam_script_launcher.py <program.py> [args ...]", file=sys.stderr)
        sys.exit(2)
    program, args = sys.argv[1], sys.argv[2:]
    python = sys.executable
    if os.path.isfile(REQUIREMENTS):
        try:
            import pip  # noqa: F401  (only whether the interpreter has it)
        except ImportError:
            _fail("%s -m pip install -r %s" % (sys.executable, REQUIREMENTS), 1, "No module named pip: the interpreter %s has no pip, so %s cannot be installed (install pip for it, e.g. Debian's python3-pip, or remove %s from the source directory)" % (sys.executable, REQUIREMENTS, REQUIREMENTS))
        try:
            python = _environment()
        except Exception as e:  # venv missing or the job's /tmp not writable: nothing can be installed
            _fail("%s -m venv --system-site-packages" % sys.executable, 1, "The job's environment for %s could not be created: %s" % (REQUIREMENTS, e))
        _install(python)
    sys.stdout.flush()
    sys.stderr.flush()
    # The program replaces this process (same pid and process group), as `python program.py` did.
    os.execv(python, [python, program] + args)


if __name__ == "__main__":
    main()
