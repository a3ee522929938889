#!/usr/bin/env python3
"""Reference for the ONNX conformance test: prints, for each model path read from stdin (one per
line), one JSON line in the `stachub inspect --json` shape, computed with the official ONNX Python
package (`onnx.load(..., load_external_data=False)`). Independent of the TypeScript scanner: it walks
the fully decoded protobuf objects.
"""
import json
import sys

import onnx
from onnx import TensorProto

# TensorProto.DataType id -> (name, bits per element): MLM names where MLM has one.
DATA_TYPES = {
    0: ("undefined", 0), 1: ("float32", 32), 2: ("uint8", 8), 3: ("int8", 8), 4: ("uint16", 16),
    5: ("int16", 16), 6: ("int32", 32), 7: ("int64", 64), 8: ("string", 0), 9: ("bool", 8),
    10: ("float16", 16), 11: ("float64", 64), 12: ("uint32", 32), 13: ("uint64", 64),
    14: ("cfloat32", 64), 15: ("cfloat64", 128), 16: ("bfloat16", 16), 17: ("float8e4m3fn", 8),
    18: ("float8e4m3fnuz", 8), 19: ("float8e5m2", 8), 20: ("float8e5m2fnuz", 8), 21: ("uint4", 4),
    22: ("int4", 4), 23: ("float4e2m1", 4), 24: ("float8e8m0", 8), 25: ("uint2", 2), 26: ("int2", 2),
}


def varint_len(x):
    # Negative int32/int64 values are written as 10-byte two's complement varints.
    if x < 0:
        return 10
    n = 1
    while x > 127:
        x >>= 7
        n += 1
    return n


def dtype_name(i):
    return DATA_TYPES[i][0] if i in DATA_TYPES else "type%d" % i


def type_info(tp):
    kind = tp.WhichOneof("value")
    if kind in ("tensor_type", "sparse_tensor_type"):
        t = getattr(tp, kind)
        shape = None
        if t.HasField("shape"):
            shape = []
            for d in t.shape.dim:
                which = d.WhichOneof("value")
                shape.append(d.dim_value if which == "dim_value" else d.dim_param if which == "dim_param" else None)
        return {"type": "tensor" if kind == "tensor_type" else "sparse_tensor", "dataType": dtype_name(t.elem_type), "shape": shape}
    if kind in ("sequence_type", "optional_type"):
        t = getattr(tp, kind)
        out = {"type": "sequence" if kind == "sequence_type" else "optional"}
        if t.HasField("elem_type"):
            out["elementType"] = type_info(t.elem_type)
        return out
    if kind == "map_type":
        out = {"type": "map", "keyType": dtype_name(tp.map_type.key_type)}
        if tp.map_type.HasField("value_type"):
            out["valueType"] = type_info(tp.map_type.value_type)
        return out
    return {"type": "unknown"}


def value_info(vi):
    out = {"name": vi.name}
    out.update(type_info(vi.type) if vi.HasField("type") else {"type": "unknown"})
    return out


class Acc:
    def __init__(self):
        self.params = {"initializers": 0, "subgraphInitializers": 0, "sparseInitializers": 0, "constants": 0}
        self.bytes_total = 0
        self.by_type = {}
        self.external = []
        self.total_nodes = 0
        self.subgraphs = 0
        self.op_types = {}
        self.inline = 0

    def weigh(self, t):
        n = 1
        for d in t.dims:
            n *= d
        n = max(n, 0)
        if t.data_type == TensorProto.STRING:
            b = sum(len(s) for s in t.string_data)
        else:
            bits = DATA_TYPES.get(t.data_type, ("", 0))[1]
            b = -(-(n * bits) // 8)
        self.bytes_total += b
        k = dtype_name(t.data_type)
        self.by_type[k] = self.by_type.get(k, 0) + b
        return n

    def see_tensor(self, t):
        # Payload bytes as stored: raw_data, packed numeric fields (varints for the integer ones), strings.
        self.inline += len(t.raw_data) + 4 * len(t.float_data) + 8 * len(t.double_data)
        self.inline += sum(varint_len(x) for x in t.int32_data) + sum(varint_len(x) for x in t.int64_data)
        self.inline += sum(varint_len(x) for x in t.uint64_data) + sum(len(x) for x in t.string_data)
        if t.data_location == TensorProto.EXTERNAL:
            kv = {e.key: e.value for e in t.external_data}
            ref = {"tensor": t.name, "location": kv.get("location", "")}
            for k in ("offset", "length"):
                if kv.get(k, "").isdigit():
                    ref[k] = int(kv[k])
            loc = ref["location"]
            if loc == "" or loc.startswith(("/", "\\")) or (len(loc) > 1 and loc[1] == ":") or ".." in loc.replace("\\", "/").split("/"):
                ref["unsafe"] = True
            self.external.append(ref)

    def see_sparse(self, sp):
        # Values then indices, as they appear in the file.
        self.see_tensor(sp.values)
        self.see_tensor(sp.indices)

    def graph(self, g, main):
        if not main:
            self.subgraphs += 1
        for node in g.node:
            self.total_nodes += 1
            key = node.op_type if node.domain in ("", "ai.onnx") else "%s:%s" % (node.domain, node.op_type)
            self.op_types[key] = self.op_types.get(key, 0) + 1
            value = None
            for a in node.attribute:
                if a.HasField("t"):
                    self.see_tensor(a.t)
                    if a.name == "value":
                        value = a.t
                for t in a.tensors:
                    self.see_tensor(t)
                if a.HasField("sparse_tensor"):
                    self.see_sparse(a.sparse_tensor)
                for sp in a.sparse_tensors:
                    self.see_sparse(sp)
                if a.HasField("g"):
                    self.graph(a.g, False)
                for sg in a.graphs:
                    self.graph(sg, False)
            if value is not None and node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.params["constants"] += self.weigh(value)
        for t in g.initializer:
            self.see_tensor(t)
            self.params["initializers" if main else "subgraphInitializers"] += self.weigh(t)
        for sp in g.sparse_initializer:
            self.see_sparse(sp)
            self.params["sparseInitializers"] += self.weigh(sp.values)
            self.weigh(sp.indices)


def summary(path):
    m = onnx.load(path, load_external_data=False)
    g = m.graph
    init_names = {t.name for t in g.initializer} | {sp.values.name for sp in g.sparse_initializer}
    acc = Acc()
    acc.graph(g, True)
    out = {
        "irVersion": m.ir_version,
        "producerName": m.producer_name,
        "producerVersion": m.producer_version,
        "opsetImports": [{"domain": o.domain, "version": o.version} for o in m.opset_import],
        "inputs": [value_info(v) for v in g.input if v.name not in init_names],
        "outputs": [value_info(v) for v in g.output],
        "parameterCount": sum(acc.params.values()),
        "metadataProps": {p.key: p.value for p in m.metadata_props},
        "domain": m.domain,
        "modelVersion": m.model_version,
        "docString": m.doc_string,
        "graphName": g.name,
        "graphDocString": g.doc_string,
        "nodeCount": len(g.node),
        "totalNodeCount": acc.total_nodes,
        "initializerCount": len(g.initializer),
        "sparseInitializerCount": len(g.sparse_initializer),
        "subgraphCount": acc.subgraphs,
        "opTypes": acc.op_types,
        "parameters": acc.params,
        "weightBytes": {"total": acc.bytes_total, "byDataType": acc.by_type},
        "externalData": acc.external,
        "inlineDataBytes": acc.inline,
        "functions": [{"domain": f.domain, "name": f.name} for f in m.functions],
    }
    # GraphProto.metadata_props exists from ONNX 1.16 (IR 10); older packages cannot report it.
    if "metadata_props" in g.DESCRIPTOR.fields_by_name:
        out["graphMetadataProps"] = {p.key: p.value for p in g.metadata_props}
    return out


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        try:
            out = summary(path)
        except Exception as e:  # reported, compared by the test
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        out["source"] = path
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
