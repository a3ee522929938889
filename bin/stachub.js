#!/usr/bin/env node
// Entry point of the `stachub` command: the compiled CLI lives in dist/ (built by `npm ci`).
import { main } from '../dist/generator/cli.js';

process.exitCode = await main(process.argv);
