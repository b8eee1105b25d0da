"""Loam's script-mode model server: SageMaker's inference handler contract over /ping and /invocations.

Runs the user's module (SAGEMAKER_PROGRAM, from <model_dir>/code or SAGEMAKER_SUBMIT_DIRECTORY) with
model_fn / input_fn / predict_fn / output_fn (or transform_fn), as the SageMaker inference toolkit does,
on 127.0.0.1:SAGEMAKER_BIND_TO_PORT. Only the standard library is required; numpy is used when present.

The code directory is installed before the server starts, as the scikit-learn and XGBoost serving
containers do (sagemaker-containers' _server.start -> _modules.import_module: `python -m pip install .
[-r requirements.txt]` in <model_dir>/code): a directory with setup.py as a package, else its
requirements.txt (`python -m pip install -r requirements.txt`, as the inference toolkit's model_server;
the SDK and Loam's staging put SAGEMAKER_SUBMIT_DIRECTORY's files there too). Into a virtual environment
of this server (images/python/loam_requirements.py, shared with training), in which the server then runs.
A failed pip ends the process with a line naming setup.py or requirements.txt, before /ping ever answers.
"""
import csv
import hmac
import importlib.util
import io
import json
import os
import sys
import tempfile
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL_DIR = os.environ.get("SM_MODEL_DIR", "/opt/ml/model")
DEFAULT_ACCEPT = os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "application/json")
MAX_BYTES = int(float(os.environ.get("SAGEMAKER_MAX_PAYLOAD_IN_MB", "6")) * 1024 * 1024)
# Loam's secret for this server (model-server/instance-secret.ts): /invocations answers only requests that
# carry it, so another local process cannot use the model. Taken out of the environment before the user's
# code loads.
SECRET = os.environ.pop("LOAM_INSTANCE_SECRET", "")
SECRET_HEADER = "x-loam-instance-secret"


class UnsupportedFormat(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def _np():
    try:
        import numpy
        return numpy
    except ImportError:
        return None


def default_input_fn(body, content_type):
    ct = (content_type or "application/json").split(";")[0].strip().lower()
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
    np = _np()
    if ct == "application/json":
        data = json.loads(text)
        return np.array(data) if np is not None else data
    if ct == "text/csv":
        rows = [[float(c) for c in line.split(",")] for line in text.splitlines() if line.strip()]
        return np.array(rows) if np is not None else rows
    if ct == "application/x-npy" and np is not None:
        return np.load(io.BytesIO(body), allow_pickle=False)
    raise UnsupportedFormat(415, "Content type %s is not supported by the default input_fn" % content_type)


def default_predict_fn(data, model):
    if hasattr(model, "predict"):
        return model.predict(data)
    return model(data)


def _tolist(x):
    # json.dumps's default: what json cannot write itself (numpy arrays and scalars: int64, float32, bool_), also
    # inside lists, dicts and object arrays, as .tolist() gives it; json then writes what that returns.
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError("Object of type %s is not JSON serializable" % type(x).__name__)


def _csv_rows(value):
    """The rows the containers' encoder (sagemaker-containers' array_to_csv) hands csv.writer: np.array(prediction),
    a 1-D one as a column. Where the container's encoder fails, so does this, with a message naming the problem (the
    container's TypeError "iteration over a 0-d array", numpy's ValueError for ragged rows): a 500."""
    np = _np()
    if np is None:
        return _csv_rows_of_lists(value)
    try:
        array = np.array(value)
    except ValueError as e:  # numpy >= 1.24 (the containers') refuses rows of different lengths
        raise ValueError("the prediction's rows differ in length, so it is no array to write as CSV (numpy: %s); return rows of one length" % e)
    if array.ndim == 0:
        raise TypeError(_single_value(value))
    return array.reshape(array.shape[0], 1) if array.ndim == 1 else array


def _single_value(value):
    return "a %s prediction is a single value, with no rows to write as CSV; return an array or a list (a 1-D one is written as a column)" % type(value).__name__


def _csv_rows_of_lists(value):
    # Without numpy (Loam's server needs only the standard library): the same shapes accepted and refused, for lists.
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise TypeError(_single_value(value))
    nested = [isinstance(r, (list, tuple)) for r in value]
    if not any(nested):
        return [[r] for r in value]
    if not all(nested) or len({len(r) for r in value}) > 1:
        raise ValueError("the prediction's rows differ in length, so it is no array to write as CSV; return rows of one length")
    return value


def default_output_fn(prediction, accept):
    """Encodes as the scikit-learn and XGBoost containers' default output_fn (sagemaker-containers' encoders.encode):
    JSON by json.dumps, numpy values by .tolist(); CSV by csv.writer over np.array(prediction), a 1-D one as a column,
    one row per line, each ended by a newline; NPY by np.save."""
    at = (accept or DEFAULT_ACCEPT).split(";")[0].strip().lower()
    if at in ("*/*", ""):
        at = DEFAULT_ACCEPT
    if at == "application/json":
        return json.dumps(prediction, default=_tolist), "application/json"
    if at == "text/csv":
        stream = io.StringIO()
        csv.writer(stream, lineterminator="\n", delimiter=",", quotechar='"', doublequote=True, strict=True).writerows(_csv_rows(prediction))
        return stream.getvalue(), "text/csv"
    np = _np()
    if at == "application/x-npy" and np is not None:
        buffer = io.BytesIO()
        np.save(buffer, prediction)
        return buffer.getvalue(), "application/x-npy"
    raise UnsupportedFormat(406, "Accept %s is not supported by the default output_fn" % accept)


def _code_dir():
    return os.environ.get("LOAM_CODE_DIR") or os.path.join(MODEL_DIR, "code")


def install_requirements():
    """Installs the code directory (setup.py, else requirements.txt) into this server's environment and runs the server
    there (the process is replaced; same pid). Returns when there is nothing to install or this already
    runs there; exits with the reason when pip fails."""
    code_dir = _code_dir()
    home = os.path.join(tempfile.gettempdir(), "loam-requirements")
    if os.path.realpath(sys.prefix) == os.path.realpath(home):
        return
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "images", "python", "loam_requirements.py")
    spec = importlib.util.spec_from_file_location("loam_requirements", path)
    helper = importlib.util.module_from_spec(spec)
    sys.dont_write_bytecode, writes = True, sys.dont_write_bytecode  # no __pycache__ beside Loam's own files
    spec.loader.exec_module(helper)
    sys.dont_write_bytecode = writes
    try:
        python = helper.install(code_dir, home)
    except helper.InstallError as e:
        # One short line, the last the process writes: the end of the endpoint's FailureReason (after pip's
        # last lines), so it must name the file and pip's final error within SageMaker's 1024 characters.
        last = e.error.splitlines()[-1] if e.error else ""
        what = helper.SETUP if e.kind == "InstallModuleError" else helper.REQUIREMENTS
        print("The model's %s could not be installed (%s, exit code %s): %s Command: %s" % (what, e.kind, e.code, last, e.cmd), file=sys.stderr, flush=True)
        sys.exit(1)
    if python is None:
        return
    env = dict(os.environ)
    if SECRET:
        env["LOAM_INSTANCE_SECRET"] = SECRET
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [python, os.path.abspath(__file__)], env)


def load_user_module():
    """Imports the handler by its own module name (`inference.py` as `inference`), as the scikit-learn and
    XGBoost serving containers do (importlib.import_module of SAGEMAKER_PROGRAM without `.py`): a pickle that
    names a class of the handler's module (`inference.Model`, pickled by a training script that imported it)
    loads that module's class, not a second copy of the file, and the handler's own objects pickle."""
    program = os.environ.get("SAGEMAKER_PROGRAM", "inference.py")
    code_dir = _code_dir()
    path = program if os.path.isabs(program) else os.path.join(code_dir, program)
    if not os.path.exists(path):
        raise FileNotFoundError("SAGEMAKER_PROGRAM %s not found in %s" % (program, code_dir))
    name = os.path.basename(path)
    name = name[:-3] if name.endswith(".py") else name
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    if os.path.dirname(os.path.abspath(path)) != os.path.abspath(code_dir):
        sys.path.insert(1, code_dir)
    module = importlib.import_module(name)
    # A name already imported (json.py, io.py: modules this server uses) is that module, not the handler.
    if os.path.realpath(getattr(module, "__file__", None) or "") != os.path.realpath(path):
        raise ImportError("SAGEMAKER_PROGRAM %s: the module name '%s' is already taken by %s; give the handler another name" % (program, name, getattr(module, "__file__", None) or "a built-in module"))
    return module


class Handler:
    def __init__(self, module):
        self.module = module
        if hasattr(module, "transform_fn") and any(hasattr(module, f) for f in ("input_fn", "predict_fn", "output_fn")):
            raise ValueError("transform_fn cannot be combined with input_fn, predict_fn or output_fn")
        if not hasattr(module, "model_fn"):
            raise ValueError("the inference script must define model_fn(model_dir)")
        self.model = module.model_fn(MODEL_DIR)

    def __call__(self, body, content_type, accept):
        m = self.module
        if hasattr(m, "transform_fn"):
            out = m.transform_fn(self.model, body, content_type, accept)
            return out if isinstance(out, tuple) else (out, accept or DEFAULT_ACCEPT)
        data = (getattr(m, "input_fn", None) or default_input_fn)(body, content_type)
        prediction = (getattr(m, "predict_fn", None) or default_predict_fn)(data, self.model)
        out = (getattr(m, "output_fn", None) or default_output_fn)(prediction, accept)
        return out if isinstance(out, tuple) else (out, accept or DEFAULT_ACCEPT)


def make_server(handler, port):
    class Server(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status, body, content_type, close=False):
            data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/ping":
                self._send(200, b"", "text/plain")
            else:
                self._send(404, "not found", "text/plain")

        def do_POST(self):
            if self.path != "/invocations":
                self._send(404, "not found", "text/plain")
                return
            if SECRET and not hmac.compare_digest(SECRET.encode(), (self.headers.get(SECRET_HEADER) or "").encode()):
                self._send(403, "This model server answers only Loam.", "text/plain", close=True)  # the body is not read
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BYTES:
                self._send(413, "payload over %d bytes" % MAX_BYTES, "text/plain")
                return
            body = self.rfile.read(length)
            try:
                out, ct = handler(body, self.headers.get("Content-Type"), self.headers.get("Accept"))
                self._send(200, out, ct)
            except UnsupportedFormat as e:
                self._send(e.status, str(e), "text/plain")
            except Exception as e:  # the user's code failed: a 500 with its message, as the toolkit answers
                traceback.print_exc()
                self._send(500, "%s: %s" % (type(e).__name__, e), "text/plain")

    return ThreadingHTTPServer(("127.0.0.1", port), Server)


def main():
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    install_requirements()
    handler = Handler(load_user_module())
    server = make_server(handler, port)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
