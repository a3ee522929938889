/**
 * The ONNX metadata scanner: walks ModelProto, every graph and subgraph, value infos, node attributes
 * and tensor headers over the protobuf wire format, and seeks past every tensor payload (`raw_data`
 * and the typed data fields). Field numbers are those of the official `onnx/onnx.proto` (see
 * `fields.ts`). Order-independent, as protobuf requires, although serialisers write fields in number
 * order (so inputs and outputs come after every initializer, and opsets after the whole graph).
 * This file walks the model, its graphs, nodes and attributes; `walk.ts` holds the field loop and
 * its limits, `tensor.ts` the tensor headers, `value-info.ts` the inputs' and outputs' types.
 */
import type { ByteSource } from './byte-source.js';
import { OnnxError } from './errors.js';
import { F } from './fields.js';
import { readSparseParts, readTensor, weigh, type TensorHead } from './tensor.js';
import type { OnnxSummary } from './types.js';
import { readValueInfo } from './value-info.js';
import { FieldWalker, type ScanOptions } from './walk.js';
import { WIRE, WireReader } from './wire.js';

export type { ScanOptions };

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
  return new Scanner(new FieldWalker(r, opts)).model();
}

/** The walk over ModelProto and its graphs: what the summary needs, every payload skipped. */
class Scanner {
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

  constructor(private readonly w: FieldWalker) {}

  // ---- ModelProto ---------------------------------------------------------------------------

  async model(): Promise<OnnxSummary> {
    const r = this.w.r;
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
    await this.w.fields(r.size, async (f, wt, v, at) => {
      const M = F.Model;
      switch (f) {
        case M.ir_version:
          this.w.want(wt, WIRE.VARINT, 'ModelProto.ir_version', at);
          s.irVersion = v;
          sawIr = true;
          break;
        case M.producer_name:
          s.producerName = await this.w.str(wt, v, 'ModelProto.producer_name', at);
          break;
        case M.producer_version:
          s.producerVersion = await this.w.str(wt, v, 'ModelProto.producer_version', at);
          break;
        case M.domain:
          s.domain = await this.w.str(wt, v, 'ModelProto.domain', at);
          break;
        case M.model_version:
          this.w.want(wt, WIRE.VARINT, 'ModelProto.model_version', at);
          s.modelVersion = v;
          break;
        case M.doc_string:
          s.docString = await this.w.str(wt, v, 'ModelProto.doc_string', at);
          break;
        case M.graph:
          this.w.want(wt, WIRE.LEN, 'ModelProto.graph', at);
          sawGraph = true;
          await this.graph(r.pos + v, 0, main);
          break;
        case M.opset_import: {
          this.w.want(wt, WIRE.LEN, 'ModelProto.opset_import', at);
          this.w.count(s.opsetImports.length, 'opset imports', at);
          const op = { domain: '', version: 0 };
          await this.w.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === F.OperatorSetId.domain) op.domain = await this.w.str(wt2, v2, 'OperatorSetIdProto.domain', at2);
            else if (g === F.OperatorSetId.version) {
              this.w.want(wt2, WIRE.VARINT, 'OperatorSetIdProto.version', at2);
              op.version = v2;
            }
          });
          s.opsetImports.push(op);
          break;
        }
        case M.metadata_props:
          this.w.want(wt, WIRE.LEN, 'ModelProto.metadata_props', at);
          await this.w.entry(v, this.metadataProps, 'metadata_props', at);
          break;
        case M.functions: {
          this.w.want(wt, WIRE.LEN, 'ModelProto.functions', at);
          this.w.count(s.functions.length, 'functions', at);
          const fn = { domain: '', name: '' };
          await this.w.fields(r.pos + v, async (g, wt2, v2, at2) => {
            if (g === F.Function.name) fn.name = await this.w.str(wt2, v2, 'FunctionProto.name', at2);
            else if (g === F.Function.domain) fn.domain = await this.w.str(wt2, v2, 'FunctionProto.domain', at2);
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
    const r = this.w.r;
    const s = this.s;
    if (depth > this.w.maxDepth) r.fail('onnx/too-deep', r.pos, `graphs nested more than ${this.w.maxDepth} deep`);
    const main = depth === 0;
    if (!main) s.subgraphCount++;
    const initializer = (t: TensorHead, at: number): void => {
      const n = weigh(t, this.s);
      if (main) {
        s.initializerCount++;
        s.parameters.initializers += n;
        this.w.count(acc.initNames.size, 'initializers', at);
        acc.initNames.add(t.name);
      } else {
        s.parameters.subgraphInitializers += n;
      }
    };
    const G = F.Graph;
    const other = async (f: number, wt: number, v: number, at: number): Promise<void> => {
      switch (f) {
        case G.sparse_initializer: {
          this.w.want(wt, WIRE.LEN, 'GraphProto.sparse_initializer', at);
          const name = await this.sparse(r.pos + v);
          if (main) {
            s.sparseInitializerCount++;
            this.w.count(acc.initNames.size, 'initializers', at);
            acc.initNames.add(name);
          }
          break;
        }
        case G.input:
        case G.output:
          if (main) {
            this.w.want(wt, WIRE.LEN, 'GraphProto.input/output', at);
            const list = f === G.input ? s.inputs : s.outputs;
            this.w.count(list.length, 'graph inputs/outputs', at);
            list.push(await readValueInfo(this.w, r.pos + v));
          }
          break;
        case G.name:
          if (main) s.graphName = await this.w.str(wt, v, 'GraphProto.name', at);
          break;
        case G.doc_string:
          if (main) s.graphDocString = await this.w.str(wt, v, 'GraphProto.doc_string', at);
          break;
        case G.metadata_props:
          if (main) {
            this.w.want(wt, WIRE.LEN, 'GraphProto.metadata_props', at);
            await this.w.entry(v, this.graphMetadataProps, 'graph metadata_props', at);
          }
          break;
        default:
      }
    };
    await this.w.fields(end, (f, wt, v, at) => {
      switch (f) {
        case G.node:
          // Nodes and initializers are the bulk of a graph: their promise is returned, not wrapped.
          this.w.want(wt, WIRE.LEN, 'GraphProto.node', at);
          if (main) s.nodeCount++;
          s.totalNodeCount++;
          return this.node(r.pos + v, depth);
        case G.initializer:
          this.w.want(wt, WIRE.LEN, 'GraphProto.initializer', at);
          return readTensor(this.w, r.pos + v, this.s).then((t) => initializer(t, at));
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
    const r = this.w.r;
    let opType = '';
    let domain = '';
    let value: TensorHead | undefined;
    // Handlers return a promise only when they must wait (nodes are the most numerous messages).
    await this.w.fields(end, (f, wt, v, at) => {
      const N = F.Node;
      if (f === N.op_type) return this.w.text(wt, v, 'NodeProto.op_type', at, (x) => (opType = x));
      if (f === N.domain) return this.w.text(wt, v, 'NodeProto.domain', at, (x) => (domain = x));
      if (f === N.attribute) {
        this.w.want(wt, WIRE.LEN, 'NodeProto.attribute', at);
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
      this.s.parameters.constants += weigh(value, this.s);
    }
  }

  private async attribute(end: number, depth: number): Promise<{ name: string; t?: TensorHead }> {
    const r = this.w.r;
    const out: { name: string; t?: TensorHead } = { name: '' };
    await this.w.fields(end, (f, wt, v, at) => {
      const A = F.Attribute;
      switch (f) {
        case A.name:
          return this.w.text(wt, v, 'AttributeProto.name', at, (x) => (out.name = x));
        case A.t:
          this.w.want(wt, WIRE.LEN, 'AttributeProto.t', at);
          return readTensor(this.w, r.pos + v, this.s).then((t) => {
            out.t = t;
          });
        case A.tensors:
          this.w.want(wt, WIRE.LEN, 'AttributeProto.tensors', at);
          return readTensor(this.w, r.pos + v, this.s).then(() => undefined);
        case A.sparse_tensor:
        case A.sparse_tensors:
          this.w.want(wt, WIRE.LEN, 'AttributeProto.sparse_tensor', at);
          return readSparseParts(this.w, r.pos + v, this.s).then(() => undefined);
        case A.g:
        case A.graphs:
          this.w.want(wt, WIRE.LEN, 'AttributeProto.g/graphs', at);
          return this.graph(r.pos + v, depth + 1, { initNames: new Set() });
        default:
          // Scalars and lists (most attributes): nothing to wait for.
          return undefined;
      }
    });
    return out;
  }

  /** A sparse initializer: its stored values are parameters; values and indices are weight bytes. */
  private async sparse(end: number): Promise<string> {
    const { values, indices } = await readSparseParts(this.w, end, this.s);
    if (values) this.s.parameters.sparseInitializers += weigh(values, this.s);
    if (indices) weigh(indices, this.s);
    return values?.name ?? '';
  }

}

