// One measured run of bench/models-inspect.ts, in its own process so peak RSS is its own.
// Uses the compiled code in dist/ (the bench builds it first).
//   node bench/models-child.mjs scan FILE   -> stachub's model readers (inspectModel)
//   node bench/models-child.mjs full FILE   -> the floor of any loader: read every byte (1 MiB chunks)
// Prints one JSON line: { bytesRead, reads, parameters, maxRssKiB } or { error }.
import { openSync, readSync, closeSync } from 'node:fs';

const [mode, target] = process.argv.slice(2);
const out = {};
try {
  if (mode === 'scan') {
    const { inspectModel } = await import(new URL('../dist/generator/models/index.js', import.meta.url).href);
    const { fileByteSource } = await import(new URL('../dist/generator/onnx/byte-source.js', import.meta.url).href);
    const source = fileByteSource(target);
    const s = await inspectModel(source);
    Object.assign(out, { bytesRead: source.stats.bytesRead, reads: source.stats.reads, parameters: s.parameterCount });
  } else if (mode === 'full') {
    const fd = openSync(target, 'r');
    const buf = Buffer.allocUnsafe(1 << 20);
    let total = 0;
    let reads = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, total);
      reads++;
      if (n === 0) break;
      total += n;
    }
    closeSync(fd);
    Object.assign(out, { bytesRead: total, reads });
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (err) {
  out.error = err.code ?? err.message;
}
out.maxRssKiB = process.resourceUsage().maxRSS;
console.log(JSON.stringify(out));
