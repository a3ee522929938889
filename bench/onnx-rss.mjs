// Preloaded (`node --import ./bench/onnx-rss.mjs ...`) into a measured CLI process: at exit, writes
// its peak RSS (KiB) to the file named by ONNX_BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.ONNX_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
