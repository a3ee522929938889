/**
 * `stachub` from source, for benchmarks that measure a CLI run in a child process: runs the CLI,
 * then prints its resource usage (peak RSS, CPU time) to stderr as `child-usage {json}`.
 */
import { main } from '../generator/cli.js';

const code = await main(process.argv);
process.stderr.write(`child-usage ${JSON.stringify(process.resourceUsage())}\n`);
process.exitCode = code;
