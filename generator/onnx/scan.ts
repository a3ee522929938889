/**
 * The ONNX metadata scanner: walks ModelProto, every graph and subgraph, value infos, node attributes
 * and tensor headers over the protobuf wire format, and seeks past every tensor payload (`raw_data`
 * and the typed data fields). Field numbers are those of the official `onnx/onnx.proto` (see
 * `fields.ts`). Order-independent, as protobuf requires, although serialisers write fields in number
 * order (so inputs and outputs come after every initializer, and opsets after the whole graph).
 */
import type { ByteSource } from './byte-source.js';
import { OnnxError } from './errors.js';
import { F, dataTypeName, elementBits } from './fields.js';
import type { Dim, ExternalDataRef, OnnxSummary, TypeInfo, ValueInfo } from './types.js';
import { WIRE, WireReader } from './wire.js';

/** Limits that keep hostile files in bounded time and memory. */
export interface ScanOptions {
  /** Smallest read after a skipped payload (default 4 KiB; HTTP sources use 16 KiB). */
  minWindow?: number;
  /** Largest read while parsing contiguous fields (default 256 KiB; HTTP sources use 1 MiB). */
  maxWindow?: number;
  /** Longest string kept; longer ones are cut (default 64 KiB). */
  maxStringBytes?: number;
  /** Deepest nesting of graphs in node attributes, and of types (default 64). */
  maxDepth?: number;
  /** Most entries kept in any one list (inputs, dims, metadata, initializer names...; default 1,000,000). */
  maxListItems?: number;
  /**
   * Most protobuf fields visited in the whole model (default 50,000,000: real models with 100,000
   * nodes have a few million; a hostile file of empty messages is stopped after a few seconds).
   */
  maxFields?: number;
}

/** One-byte tags of the ModelProto fields 1-15 with their wire types (fields 20+ need two bytes). */
const MODEL_FIRST_TAGS: ReadonlySet<number> = new Set(
  [
    [F.Model.ir_version, WIRE.VARINT],
    [F.Model.producer_name, WIRE.LEN],
    [F.Model.producer_version, WIRE.LEN],
    [F.Model.domain, WIRE.LEN],
    [F.Model.model_version, WIRE.VARINT],
    [F.Model.doc_string, WIRE.LEN],
    [F.Model.graph, WIRE.LEN],
    [F.Model.opset_import, WIRE.LEN],
    [F.Model.metadata_props, WIRE.LEN],
  ].map(([f, w]) => ((f as number) << 3) | (w as number)),
);

type FieldFn = (field: number, wt: number, v: number, tagPos: number) => void | Promise<void>;

/** LEN fields up to this size are brought into the window before their handler runs. */
const PREFETCH = 4096;

interface TensorHead {
  name: string;
  dims: number[];
  dataType: number;
  /** Bytes of string_data entries (the size of a string tensor). */
  stringBytes: number;
  external: { location?: string; offset?: number; length?: number };
  dataLocation: number;
}

interface GraphAcc {
  initNames: Set<string>;
}

/** Scans the model behind `source`; throws OnnxError for anything that is not a readable ONNX model. */
export async function scanOnnx(source: ByteSource, opts: ScanOptions = {}): Promise<OnnxSummary> {
  const size = await source.size();
  if (size === 0) throw new OnnxError('onnx/empty', source.name, 0, 'the file is empty');
  const r = new WireReader(source, size, {
    minWindow: opts.minWindow ?? 4096,
    maxWindow: opts.maxWindow ?? 256 * 1024,
  });
  return new Scanner(r, opts).model();
}

class Scanner {
  private readonly cap: number;
  private readonly maxDepth: number;
  private readonly maxItems: number;
  private fieldBudget: number;
  private readonly s: OnnxSummary = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsetImports: [],
    inputs: [],
    outputs: [],
    parameterCount: 0,
    metadataProps: {},
    graphMetadataProps: {},
    domain: '',
    modelVersion: 0,
    docString: '',
    graphName: '',
    graphDocString: '',
    nodeCount: 0,
    totalNodeCount: 0,
    initializerCount: 0,
    sparseInitializerCount: 0,
    subgraphCount: 0,
    opTypes: {},
    parameters: { initializers: 0, subgraphInitializers: 0, sparseInitializers: 0, constants: 0 },
    weightBytes: { total: 0, byDataType: {} },
    inlineDataBytes: 0,
    externalData: [],
    functions: [],
  };
  // Keyed by strings from the file, so Maps until the end (a `__proto__` key stays a key).
  private readonly metadataProps = new Map<string, string>();
  private readonly graphMetadataProps = new Map<string, string>();
  private readonly opTypes = new Map<string, number>();

  constructor(
    private readonly r: WireReader,
    opts: ScanOptions,
  ) {
    this.cap = opts.maxStringBytes ?? 64 * 1024;
    this.maxDepth = opts.maxDepth ?? 64;
    this.maxItems = opts.maxListItems ?? 1_000_000;
    this.fieldBudget = opts.maxFields ?? 50_000_000;
  }

  // ---- wire helpers -------------------------------------------------------------------------

  /** Iterates the fields of a message ending at `end`; the reader is moved past each field after `fn`. */
  private async fields(end: number, fn: FieldFn): Promise<void> {
    const r = this.r;
    while (r.pos < end) {
      if (r.avail() < 20) await r.fill(20);
      const tagPos = r.pos;
      if (--this.fieldBudget < 0) r.fail('onnx/limit', tagPos, 'more protobuf fields than the scan allows (maxFields)');
      const tag = r.varint();
      if (tag < 8 || tag > 0xffffffff) r.fail('onnx/malformed', tagPos, `invalid field tag ${tag}`);
      const field = tag >>> 3;
      const wt = tag & 7;
      let v = 0;
      let next = 0;
      switch (wt) {
        case WIRE.VARINT:
          v = r.varint();
          next = r.pos;
          break;
        case WIRE.LEN:
          v = r.varint();
          if (v < 0) r.fail('onnx/malformed', tagPos, `negative length ${v} for field ${field}`);
          next = r.pos + v;
          break;
        case WIRE.I64:
          next = r.pos + 8;
          break;
        case WIRE.I32:
          next = r.pos + 4;
          break;
        default:
          r.fail('onnx/malformed', tagPos, `invalid wire type ${wt} for field ${field}`);
      }
      if (next > end) {
        if (next > r.size) {
          r.fail('onnx/truncated', tagPos, `field ${field} needs ${next - tagPos} bytes but the file ends at byte ${r.size}`);
        }
        r.fail('onnx/malformed', tagPos, `field ${field} runs past the end of its enclosing message (byte ${end})`);
      }
      // Small sub-messages and strings come whole into the window: their fields parse without refills.
      if (wt === WIRE.LEN && v <= PREFETCH && r.avail() < v) await r.fill(v);
      const ret = fn(field, wt, v, tagPos);
      if (ret) await ret;
      r.seek(next);
    }
  }

  private want(wt: number, expected: number, what: string, tagPos: number): void {
    if (wt !== expected) this.r.fail('onnx/malformed', tagPos, `${what}: wire type ${wt}, expected ${expected}`);
  }

  private str(wt: number, len: number, what: string, tagPos: number): Promise<string> {
    this.want(wt, WIRE.LEN, what, tagPos);
    return this.r.string(len, this.cap);
  }

  /**
   * A string field, set through `set`: synchronously when its bytes are already in the window (the
   * usual case: small fields are prefetched), so hot handlers need no promise.
   */
  private text(wt: number, len: number, what: string, tagPos: number, set: (s: string) => void): void | Promise<void> {
    this.want(wt, WIRE.LEN, what, tagPos);
    const keep = Math.min(len, this.cap);
    if (this.r.avail() >= keep) {
      set(this.r.stringInWindow(len, this.cap));
      return undefined;
    }
    return this.r.fill(keep).then(() => set(this.r.stringInWindow(len, this.cap)));
  }

  private count(n: number, what: string, tagPos: number): void {
    if (n >= this.maxItems) this.r.fail('onnx/limit', tagPos, `more than ${this.maxItems} ${what}`);
  }

  /** A StringStringEntryProto into a Map (keys come from the file: never plain-object keys). */
  private async entry(len: number, into: Map<string, string>, what: string, tagPos: number): Promise<void> {
    let key = '';
    let value = '';
    await this.fields(this.r.pos + len, async (f, wt, v, at) => {
      if (f === F.StringStringEntry.key) key = await this.str(wt, v, `${what}.key`, at);
      else if (f === F.StringStringEntry.value) value = await this.str(wt, v, `${what}.value`, at);
    });
    if (!into.has(key)) this.count(into.size, what, tagPos);
    into.set(key, value);
  }

  // ---- ModelProto ---------------------------------------------------------------------------

  async model(): Promise<OnnxSummary> {
    const r = this.r;
    const s = this.s;
    let sawIr = false;
    let sawGraph = false;
    const main: GraphAcc = { initNames: new Set() };
    // The first field must be a ModelProto field with its wire type (serialisers start with ir_version):
    // text, PNG, gzip, ZIP... fail here with a plain "not an ONNX model".
    const b0 = await r.peekByte();
    if (!MODEL_FIRST_TAGS.has(b0)) {
      r.fail('onnx/not-onnx', 0, `first byte 0x${b0.toString(16).padStart(2, '0')} does not start a ModelProto field: not an ONNX model`);
    }
    await this.fields(r.size, async (f, wt, v, at) => {
      const M = F.Model;
      switch (f) {
        case M.ir_version:
          this.want(wt, WIRE.VARINT, 'ModelProto.ir_version', at);
          s.irVersion = v;
          sawIr = true;
          break;
        case M.producer_name:
          s.producerName = await this.str(wt, v, 'ModelProto.producer_name', at);
          break;
        case M.producer_version:
          s.producerVersion = await this.str(wt, v, 'ModelProto.producer_version', at);
          break;
        case M.domain:
          s.domain = await this.str(wt, v, 'ModelProto.domain', at);
          break;
        case M.model_version:
          this.want(wt, WIRE.VARINT, 'ModelProto.model_version', at);
          s.modelVersion = v;
          break;
        case M.doc_string:
          s.docString = await this.str(wt, v, 'ModelProto.doc_string', at);
          break;
        case M.graph:
          this.want(wt, WIRE.LEN, 'ModelProto.graph', at);
          sawGraph = true;
          await this.graph(r.pos + v, 0, main);
          break;
        case M.opset_import: {
          this.want(wt, WIRE.LEN, 'ModelProto.opset_import', at);
          this.count(s.opsetImports.length, 'opset imports', at);
          const op = { domain: '', version: 0 };
          await this.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === F.OperatorSetId.domain) op.domain = await this.str(wt2, v2, 'OperatorSetIdProto.domain', at2);
            else if (g === F.OperatorSetId.version) {
              this.want(wt2, WIRE.VARINT, 'OperatorSetIdProto.version', at2);
              op.version = v2;
            }
          });
          s.opsetImports.push(op);
          break;
        }
        case M.metadata_props:
          this.want(wt, WIRE.LEN, 'ModelProto.metadata_props', at);
          await this.entry(v, this.metadataProps, 'metadata_props', at);
          break;
        case M.functions: {
          this.want(wt, WIRE.LEN, 'ModelProto.functions', at);
          this.count(s.functions.length, 'functions', at);
          const fn = { domain: '', name: '' };
          await this.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === F.Function.name) fn.name = await this.str(wt2, v2, 'FunctionProto.name', at2);
            else if (g === F.Function.domain) fn.domain = await this.str(wt2, v2, 'FunctionProto.domain', at2);
          });
          s.functions.push(fn);
          break;
        }
        default:
        // training_info, configuration and unknown fields: skipped.
      }
    });
    if (!sawIr || !sawGraph) {
      r.fail('onnx/not-onnx', undefined, `no ${sawIr ? 'graph' : 'ir_version'} field: not an ONNX model`);
    }
    s.metadataProps = Object.fromEntries(this.metadataProps);
    s.graphMetadataProps = Object.fromEntries(this.graphMetadataProps);
    s.opTypes = Object.fromEntries(this.opTypes);
    // IR < 4 lists initializers among the inputs: those are weights, not inputs.
    if (main.initNames.size > 0) s.inputs = s.inputs.filter((i) => !main.initNames.has(i.name));
    s.parameterCount = Math.min(
      Number.MAX_SAFE_INTEGER,
      s.parameters.initializers + s.parameters.subgraphInitializers + s.parameters.sparseInitializers + s.parameters.constants,
    );
    return s;
  }

  // ---- GraphProto ---------------------------------------------------------------------------

  /** Scans a graph; depth 0 is the main graph, deeper ones are node-attribute subgraphs. */
  private async graph(end: number, depth: number, acc: GraphAcc): Promise<void> {
    const r = this.r;
    const s = this.s;
    if (depth > this.maxDepth) r.fail('onnx/too-deep', r.pos, `graphs nested more than ${this.maxDepth} deep`);
    const main = depth === 0;
    if (!main) s.subgraphCount++;
    const initializer = (t: TensorHead, at: number): void => {
      const n = this.weigh(t);
      if (main) {
        s.initializerCount++;
        s.parameters.initializers += n;
        this.count(acc.initNames.size, 'initializers', at);
        acc.initNames.add(t.name);
      } else {
        s.parameters.subgraphInitializers += n;
      }
    };
    const G = F.Graph;
    const other = async (f: number, wt: number, v: number, at: number): Promise<void> => {
      switch (f) {
        case G.sparse_initializer: {
          this.want(wt, WIRE.LEN, 'GraphProto.sparse_initializer', at);
          const name = await this.sparse(r.pos + v);
          if (main) {
            s.sparseInitializerCount++;
            this.count(acc.initNames.size, 'initializers', at);
            acc.initNames.add(name);
          }
          break;
        }
        case G.input:
        case G.output:
          if (main) {
            this.want(wt, WIRE.LEN, 'GraphProto.input/output', at);
            const list = f === G.input ? s.inputs : s.outputs;
            this.count(list.length, 'graph inputs/outputs', at);
            list.push(await this.valueInfo(r.pos + v));
          }
          break;
        case G.name:
          if (main) s.graphName = await this.str(wt, v, 'GraphProto.name', at);
          break;
        case G.doc_string:
          if (main) s.graphDocString = await this.str(wt, v, 'GraphProto.doc_string', at);
          break;
        case G.metadata_props:
          if (main) {
            this.want(wt, WIRE.LEN, 'GraphProto.metadata_props', at);
            await this.entry(v, this.graphMetadataProps, 'graph metadata_props', at);
          }
          break;
        default:
      }
    };
    await this.fields(end, (f, wt, v, at) => {
      switch (f) {
        case G.node:
          // Nodes and initializers are the bulk of a graph: their promise is returned, not wrapped.
          this.want(wt, WIRE.LEN, 'GraphProto.node', at);
          if (main) s.nodeCount++;
          s.totalNodeCount++;
          return this.node(r.pos + v, depth);
        case G.initializer:
          this.want(wt, WIRE.LEN, 'GraphProto.initializer', at);
          return this.tensor(r.pos + v).then((t) => initializer(t, at));
        case G.sparse_initializer:
        case G.input:
        case G.output:
        case G.name:
        case G.doc_string:
        case G.metadata_props:
          return other(f, wt, v, at);
        default:
          // value_info, quantization_annotation, unknown: skipped.
          return undefined;
      }
    });
  }

  // ---- NodeProto / AttributeProto -----------------------------------------------------------

  private async node(end: number, depth: number): Promise<void> {
    const r = this.r;
    let opType = '';
    let domain = '';
    let value: TensorHead | undefined;
    // Handlers return a promise only when they must wait (nodes are the most numerous messages).
    await this.fields(end, (f, wt, v, at) => {
      const N = F.Node;
      if (f === N.op_type) return this.text(wt, v, 'NodeProto.op_type', at, (x) => (opType = x));
      if (f === N.domain) return this.text(wt, v, 'NodeProto.domain', at, (x) => (domain = x));
      if (f === N.attribute) {
        this.want(wt, WIRE.LEN, 'NodeProto.attribute', at);
        return this.attribute(r.pos + v, depth).then((a) => {
          if (a.name === 'value' && a.t) value = a.t;
        });
      }
      return undefined;
    });
    const key = domain === '' || domain === 'ai.onnx' ? opType : `${domain}:${opType}`;
    const n = this.opTypes.get(key);
    if (n !== undefined) this.opTypes.set(key, n + 1);
    else if (this.opTypes.size < 10_000) this.opTypes.set(key, 1);
    // Weights stored as Constant nodes (Paddle2ONNX, spox) are parameters too.
    if (value && opType === 'Constant' && (domain === '' || domain === 'ai.onnx')) {
      this.s.parameters.constants += this.weigh(value);
    }
  }

  private async attribute(end: number, depth: number): Promise<{ name: string; t?: TensorHead }> {
    const r = this.r;
    const out: { name: string; t?: TensorHead } = { name: '' };
    await this.fields(end, (f, wt, v, at) => {
      const A = F.Attribute;
      switch (f) {
        case A.name:
          return this.text(wt, v, 'AttributeProto.name', at, (x) => (out.name = x));
        case A.t:
          this.want(wt, WIRE.LEN, 'AttributeProto.t', at);
          return this.tensor(r.pos + v).then((t) => {
            out.t = t;
          });
        case A.tensors:
          this.want(wt, WIRE.LEN, 'AttributeProto.tensors', at);
          return this.tensor(r.pos + v).then(() => undefined);
        case A.sparse_tensor:
        case A.sparse_tensors:
          this.want(wt, WIRE.LEN, 'AttributeProto.sparse_tensor', at);
          return this.sparseParts(r.pos + v).then(() => undefined);
        case A.g:
        case A.graphs:
          this.want(wt, WIRE.LEN, 'AttributeProto.g/graphs', at);
          return this.graph(r.pos + v, depth + 1, { initNames: new Set() });
        default:
          // Scalars and lists (most attributes): nothing to wait for.
          return undefined;
      }
    });
    return out;
  }

  // ---- TensorProto / SparseTensorProto ------------------------------------------------------

  /** Reads a tensor's header and seeks past its payload; records external data and inline bytes. */
  private async tensor(end: number): Promise<TensorHead> {
    const r = this.r;
    const t: TensorHead = { name: '', dims: [], dataType: 0, stringBytes: 0, external: {}, dataLocation: 0 };
    let inline = 0;
    await this.fields(end, (f, wt, v, at) => {
      const T = F.Tensor;
      switch (f) {
        case T.dims:
          if (wt === WIRE.VARINT) {
            this.count(t.dims.length, 'tensor dims', at);
            t.dims.push(v);
            return undefined;
          }
          this.want(wt, WIRE.LEN, 'TensorProto.dims', at);
          return this.packedVarints(r.pos + v, t.dims, at);
        case T.data_type:
          this.want(wt, WIRE.VARINT, 'TensorProto.data_type', at);
          t.dataType = v;
          return undefined;
        case T.name:
          return this.text(wt, v, 'TensorProto.name', at, (x) => (t.name = x));
        case T.string_data:
          this.want(wt, WIRE.LEN, 'TensorProto.string_data', at);
          t.stringBytes += v;
          inline += v;
          return undefined;
        case T.raw_data:
        case T.float_data:
        case T.int32_data:
        case T.int64_data:
        case T.double_data:
        case T.uint64_data:
          // The payload: counted, never read (the field loop seeks past it).
          inline += wt === WIRE.LEN ? v : wt === WIRE.I64 ? 8 : wt === WIRE.I32 ? 4 : 1;
          return undefined;
        case T.external_data: {
          this.want(wt, WIRE.LEN, 'TensorProto.external_data', at);
          const kv = new Map<string, string>();
          return this.entry(v, kv, 'external_data', at).then(() => {
            for (const [k, val] of kv) {
              if (k === 'location') t.external.location = val;
              else if (k === 'offset' && /^\d+$/.test(val)) t.external.offset = Number(val);
              else if (k === 'length' && /^\d+$/.test(val)) t.external.length = Number(val);
            }
          });
        }
        case T.data_location:
          this.want(wt, WIRE.VARINT, 'TensorProto.data_location', at);
          t.dataLocation = v;
          return undefined;
        default:
          return undefined;
      }
    });
    this.s.inlineDataBytes += inline;
    if (t.dataLocation === 1) {
      this.count(this.s.externalData.length, 'external data tensors', end);
      const location = t.external.location ?? '';
      const ref: ExternalDataRef = { tensor: t.name, location };
      if (t.external.offset !== undefined) ref.offset = t.external.offset;
      if (t.external.length !== undefined) ref.length = t.external.length;
      if (isUnsafeLocation(location)) ref.unsafe = true;
      this.s.externalData.push(ref);
    }
    return t;
  }

  /** Reads a sparse tensor's parts and returns its stored values tensor and its name. */
  private async sparseParts(end: number): Promise<{ values?: TensorHead; indices?: TensorHead }> {
    const r = this.r;
    const out: { values?: TensorHead; indices?: TensorHead } = {};
    await this.fields(end, async (f, wt, v, at) => {
      if (f === F.SparseTensor.values) {
        this.want(wt, WIRE.LEN, 'SparseTensorProto.values', at);
        out.values = await this.tensor(r.pos + v);
      } else if (f === F.SparseTensor.indices) {
        this.want(wt, WIRE.LEN, 'SparseTensorProto.indices', at);
        out.indices = await this.tensor(r.pos + v);
      }
    });
    return out;
  }

  /** A sparse initializer: its stored values are parameters; values and indices are weight bytes. */
  private async sparse(end: number): Promise<string> {
    const { values, indices } = await this.sparseParts(end);
    if (values) this.s.parameters.sparseInitializers += this.weigh(values);
    if (indices) this.weigh(indices);
    return values?.name ?? '';
  }

  private async packedVarints(end: number, into: number[], tagPos: number): Promise<void> {
    const r = this.r;
    while (r.pos < end) {
      if (r.avail() < 10) await r.fill(10);
      this.count(into.length, 'tensor dims', tagPos);
      into.push(r.varint());
    }
    if (r.pos > end) r.fail('onnx/malformed', tagPos, 'packed varints run past their field');
  }

  /** Adds a counted tensor to the weight totals; returns its element count. */
  private weigh(t: TensorHead): number {
    let n = 1;
    for (const d of t.dims) n *= d;
    // Negative dims count nothing; absurd ones (hostile headers) stay finite numbers for JSON.
    if (!(n > 0)) n = 0;
    n = Math.min(n, Number.MAX_SAFE_INTEGER);
    const bytes = Math.min(Number.MAX_SAFE_INTEGER, t.dataType === 8 ? t.stringBytes : Math.ceil((n * elementBits(t.dataType)) / 8));
    const w = this.s.weightBytes;
    const key = dataTypeName(t.dataType);
    w.total = Math.min(Number.MAX_SAFE_INTEGER, w.total + bytes);
    w.byDataType[key] = Math.min(Number.MAX_SAFE_INTEGER, (w.byDataType[key] ?? 0) + bytes);
    return n;
  }

  // ---- ValueInfoProto / TypeProto -----------------------------------------------------------

  private async valueInfo(end: number): Promise<ValueInfo> {
    const r = this.r;
    let name = '';
    let type: TypeInfo = { type: 'unknown' };
    await this.fields(end, async (f, wt, v, at) => {
      if (f === F.ValueInfo.name) name = await this.str(wt, v, 'ValueInfoProto.name', at);
      else if (f === F.ValueInfo.type) {
        this.want(wt, WIRE.LEN, 'ValueInfoProto.type', at);
        type = await this.typeProto(r.pos + v, 0);
      }
    });
    return { name, ...type };
  }

  private async typeProto(end: number, depth: number): Promise<TypeInfo> {
    const r = this.r;
    if (depth > this.maxDepth) r.fail('onnx/too-deep', r.pos, `types nested more than ${this.maxDepth} deep`);
    // The `value` oneof: the last member present wins, as in protobuf.
    let out: TypeInfo = { type: 'unknown' };
    await this.fields(end, async (f, wt, v, at) => {
      const T = F.Type;
      switch (f) {
        case T.tensor_type:
        case T.sparse_tensor_type: {
          this.want(wt, WIRE.LEN, 'TypeProto.tensor_type', at);
          out = await this.tensorType(r.pos + v, f === T.tensor_type ? 'tensor' : 'sparse_tensor');
          break;
        }
        case T.sequence_type:
        case T.optional_type: {
          this.want(wt, WIRE.LEN, 'TypeProto.sequence_type', at);
          const t: TypeInfo = { type: f === T.sequence_type ? 'sequence' : 'optional' };
          await this.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === 1) {
              this.want(wt2, WIRE.LEN, 'TypeProto.Sequence.elem_type', at2);
              t.elementType = await this.typeProto(r.pos + v2, depth + 1);
            }
          });
          out = t;
          break;
        }
        case T.map_type: {
          this.want(wt, WIRE.LEN, 'TypeProto.map_type', at);
          const t: TypeInfo = { type: 'map' };
          await this.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === F.MapType.key_type) {
              this.want(wt2, WIRE.VARINT, 'TypeProto.Map.key_type', at2);
              t.keyType = dataTypeName(v2);
            } else if (g === F.MapType.value_type) {
              this.want(wt2, WIRE.LEN, 'TypeProto.Map.value_type', at2);
              t.valueType = await this.typeProto(r.pos + v2, depth + 1);
            }
          });
          out = t;
          break;
        }
        case T.opaque_type:
          out = { type: 'unknown' };
          break;
        default:
      }
    });
    return out;
  }

  private async tensorType(end: number, kind: 'tensor' | 'sparse_tensor'): Promise<TypeInfo> {
    const r = this.r;
    let elem = 0;
    let shape: Dim[] | null = null;
    await this.fields(end, async (f, wt, v, at) => {
      if (f === F.TensorType.elem_type) {
        this.want(wt, WIRE.VARINT, 'TypeProto.Tensor.elem_type', at);
        elem = v;
      } else if (f === F.TensorType.shape) {
        this.want(wt, WIRE.LEN, 'TypeProto.Tensor.shape', at);
        const dims: Dim[] = shape ?? [];
        await this.fields(r.pos + v, async (g, wt2, v2, at2) => {
          if (g !== F.Shape.dim) return;
          this.want(wt2, WIRE.LEN, 'TensorShapeProto.dim', at2);
          this.count(dims.length, 'shape dims', at2);
          let d: Dim = null;
          await this.fields(r.pos + v2, async (h, wt3, v3, at3) => {
            if (h === F.Dimension.dim_value) {
              this.want(wt3, WIRE.VARINT, 'Dimension.dim_value', at3);
              d = v3;
            } else if (h === F.Dimension.dim_param) {
              d = await this.str(wt3, v3, 'Dimension.dim_param', at3);
            }
          });
          dims.push(d);
        });
        shape = dims;
      }
    });
    return { type: kind, dataType: dataTypeName(elem), shape };
  }
}

/** External data locations must be relative and stay in the model's folder (onnx docs/ExternalData.md). */
function isUnsafeLocation(location: string): boolean {
  if (location === '' || location.startsWith('/') || location.startsWith('\\') || /^[a-zA-Z]:/.test(location)) return true;
  return location.split(/[\\/]/).includes('..');
}
