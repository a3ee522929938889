// One measured run of bench/onnx-inspect.ts, in its own process so peak RSS is its own.
// Uses the compiled code in dist/ (the bench builds it first).
//   node bench/onnx-child.mjs scan FILE_OR_URL   -> stachub's scanner (inspectOnnx)
//   node bench/onnx-child.mjs full FILE          -> the peer: read the file, decode it all with protobufjs
// Prints one JSON line: { ms, bytesRead, reads, parameters, maxRssKiB } or { error }.
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const [mode, target] = process.argv.slice(2);
const dist = new URL('../dist/generator/onnx/', import.meta.url);
const t0 = performance.now();
const out = {};
try {
  if (mode === 'scan') {
    const { byteSourceFor, inspectOnnx, scanOptionsFor } = await import(new URL('index.js', dist).href);
    const source = byteSourceFor(target);
    const s = await inspectOnnx(source, scanOptionsFor(target));
    Object.assign(out, { bytesRead: source.stats.bytesRead, reads: source.stats.reads, parameters: s.parameterCount });
  } else if (mode === 'full') {
    // The peer is protobufjs itself, with the ONNX messages the tests write models with.
    const { default: protobuf } = await import('protobufjs');
    const proto = readFileSync(new URL('../test/onnx/onnx.proto', import.meta.url), 'utf8');
    const ModelProto = protobuf.parse(proto, { keepCase: true }).root.lookupType('onnx.ModelProto');
    const bytes = readFileSync(target);
    const model = ModelProto.decode(bytes);
    let parameters = 0;
    for (const t of model.graph.initializer) parameters += t.dims.reduce((a, d) => a * Number(d), 1);
    Object.assign(out, { bytesRead: statSync(target).size, reads: 1, parameters });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  out.error = err.code ?? err.message;
}
out.ms = performance.now() - t0;
out.maxRssKiB = process.resourceUsage().maxRSS;
process.stdout.write(JSON.stringify(out) + '\n');
