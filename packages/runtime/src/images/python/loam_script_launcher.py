"""Loam's script-mode launcher: installs the source directory's dependencies, then runs the program.

SageMaker's framework containers (sagemaker-training-toolkit, entry_point.install) install the code
directory before a Python program starts: a directory with setup.py as a package
(`<python> -m pip install . [-r requirements.txt]`), else its requirements.txt
(`<python> -m pip install -r requirements.txt`); they log pip's output and fail the job with
InstallModuleError or InstallRequirementsError when pip fails. Loam does the same through
loam_requirements.py (shared with the script-mode model server), into a virtual environment of this job
(in the job's own temporary directory) that sees the interpreter's packages, never into the interpreter.

A program in a directory with setup.py names a module of the package, which runs as the toolkit's
PYTHON_PACKAGE entry point does: `python -m <module>` (ProcessRunner._create_command), so `__package__`
and relative imports work as in SageMaker.

Runs as the job's own user, in its sandbox, with the job's environment (PIP_INDEX_URL, PIP_FIND_LINKS ...
from the job's Environment reach pip). Usage: loam_script_launcher.py <program.py> [args ...] or
loam_script_launcher.py -m <module> [args ...]; the working directory is the code directory. Only the
standard library is used.
"""
import os
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ beside Loam's own files (this runs as the job's user)
import loam_requirements  # noqa: E402


def _write_failure(message):
    """The job's FailureReason (the runner reads the first 1024 characters of output/failure)."""
    path = os.path.join(os.environ.get("SM_OUTPUT_DIR", "/opt/ml/output"), "failure")
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(message)
    except OSError as e:
        print("Could not write %s: %s" % (path, e), file=sys.stderr)


def main():
    run = sys.argv[1:3] if sys.argv[1:2] == ["-m"] else sys.argv[1:2]
    if len(run) < (2 if run[:1] == ["-m"] else 1):
        print("usage: loam_script_launcher.py <program.py> | -m <module> [args ...]", file=sys.stderr)
        sys.exit(2)
    args = sys.argv[1 + len(run):]
    try:
        python = loam_requirements.install(os.getcwd(), os.path.join(tempfile.gettempdir(), "loam-requirements")) or sys.executable
    except loam_requirements.InstallError as e:
        # The toolkit's text, with the prefix SageMaker puts before an algorithm's failure.
        message = "AlgorithmError: %s" % e
        print(message, file=sys.stderr, flush=True)
        _write_failure(message)
        sys.exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    # The program replaces this process (same pid and process group), as `python program.py` did.
    os.execv(python, [python] + run + args)


if __name__ == "__main__":
    main()
