// The stachub CLI from the sources, for tests that run pipeline scripts in a shell
// (`node --import tsx test/pipelines/stachub-cli.ts ...`).
import { main } from '../../generator/cli.js';

process.exitCode = await main(process.argv);
