#!/usr/bin/env node
// The delta-ts command line. All logic lives in the library (dist/src/cli/main.js); this file only
// hands over argv and the exit code.
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
