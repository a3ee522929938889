"""The MLflow Python client's parser, as a long-lived checker of the shim's answers.

Usage: proto_oracle.py GENERATED_DIR, where GENERATED_DIR holds the `*_pb2.py` modules that
`protoc --python_out` wrote from schemas/vendor/mlflow/*.proto. Reads one JSON object a line on
stdin, `{"id", "method", "path", "status", "body"}` (body: the answer's text), and writes one line
back, `{"id", "ok", "rpc"?, "error"?}`.

What the client does with an answer (mlflow/utils/rest_utils.py):
- `call_endpoint` finds the endpoint from the service descriptors' `(rpc)` options
  (`extract_api_info_for_service`, paths prefixed with `/api/2.0`), and on a 200 parses the body
  with `json_format.ParseDict(js_dict, response_proto, ignore_unknown_fields=True)`
  (`parse_dict`), so a field of the wrong type (an int64 given a user name) raises ParseError.
- `verify_rest_response`: a non-200 answer whose body is a JSON object becomes
  `RestException(json)` (mlflow/exceptions.py), which looks the `error_code` up with
  `ErrorCode.Value(...)`; the message is `json["message"]`.
"""
import json
import re
import sys

sys.path.insert(0, sys.argv[1])

from google.protobuf import json_format  # noqa: E402

import databricks_pb2  # noqa: E402
import mlflow_artifacts_pb2  # noqa: E402
import model_registry_pb2  # noqa: E402
import service_pb2  # noqa: E402

# Routes that answer raw file bytes (Flask send_file), never a message: the proxied download,
# the UI's run and model-version artifact routes and the logged-model file route
# (mlflow/server/handlers.py: _download_artifact, get_artifact_handler,
# get_model_version_artifact_handler, get_logged_model_artifact_handler).
RAW_ROUTES = [
    re.compile(r"^GET /(?:api|ajax-api)/2\.0/mlflow-artifacts/artifacts/.+$"),
    re.compile(r"^GET /(?:ajax-api/2\.0/mlflow/)?get-artifact$"),
    re.compile(r"^GET /(?:(?:api|ajax-api)/2\.0/mlflow/)?model-versions/get-artifact$"),
    re.compile(r"^GET /(?:api|ajax-api)/2\.0/mlflow/logged-models/[^/]+/artifacts/files$"),
]


def endpoints():
    """(method, compiled path regex, literal?, rpc name, response class) for every rpc."""
    table = []
    for module in (service_pb2, model_registry_pb2, mlflow_artifacts_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                options = method.GetOptions().Extensions[databricks_pb2.rpc]
                response = module_class(method.output_type)
                for ep in options.endpoints:
                    path = ep.path if ep.path.startswith("/") else "/" + ep.path
                    if not path.startswith("/api/"):
                        path = "/api/2.0" + path
                    literal = "{" not in path and "<" not in path
                    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
                    pattern = re.sub(r"<path:[^>]+>", ".+", pattern)
                    table.append((ep.method, re.compile("^" + pattern + "$"), literal, method.full_name, response))
    # Literal paths win over templated ones (logged-models/search before logged-models/{id}).
    table.sort(key=lambda e: not e[2])
    return table


def module_class(descriptor):
    # The generated modules register every message class in the default symbol database.
    from google.protobuf import symbol_database

    return symbol_database.Default().GetSymbol(descriptor.full_name)


TABLE = endpoints()


def find(method, path):
    # The server mounts every route under /api/2.0 and /ajax-api/2.0 (handlers.py _get_paths);
    # the shim also keeps the legacy /api/2.0/preview/mlflow prefix of MLflow 1.x.
    path = re.sub(r"^/ajax-api/", "/api/", path)
    path = re.sub(r"^/api/2\.0/preview/mlflow/", "/api/2.0/mlflow/", path)
    for ep_method, regex, _literal, name, response in TABLE:
        if ep_method == method and regex.match(path):
            return name, response
    return None


def check(req):
    method, path, status, body = req["method"], req["path"], req["status"], req["body"]
    if status != 200:
        try:
            js = json.loads(body)
        except ValueError:
            return {"ok": False, "error": "error answer is not JSON: %r" % body[:200]}
        if not isinstance(js, dict):
            return {"ok": False, "error": "error answer is not a JSON object"}
        code = js.get("error_code", "INTERNAL_ERROR")
        try:
            databricks_pb2.ErrorCode.Value(code)
        except ValueError:
            return {"ok": False, "error": "error_code %r is not one of MLflow's ErrorCode names" % code}
        if not isinstance(js.get("message"), str):
            return {"ok": False, "error": "error answer has no string message"}
        return {"ok": True, "rpc": "error"}
    if any(r.match("%s %s" % (method, path)) for r in RAW_ROUTES):
        return {"ok": True, "rpc": "raw"}
    found = find(method, path)
    if found is None:
        return {"ok": False, "error": "no MLflow endpoint answers %s %s with JSON" % (method, path)}
    name, response = found
    try:
        js = json.loads(body)
    except ValueError:
        return {"ok": False, "rpc": name, "error": "200 answer is not JSON: %r" % body[:200]}
    try:
        json_format.ParseDict(js, response(), ignore_unknown_fields=True)
    except Exception as e:  # ParseError and the TypeErrors ParseDict raises for wrong shapes
        return {"ok": False, "rpc": name, "error": "%s: %s" % (type(e).__name__, e)}
    return {"ok": True, "rpc": name}


def main():
    sys.stdout.write(json.dumps({"ready": True, "endpoints": len(TABLE)}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            out = check(req)
        except Exception as e:  # never die on one answer: report it
            out = {"ok": False, "error": "oracle failure: %s: %s" % (type(e).__name__, e)}
        out["id"] = req["id"]
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
