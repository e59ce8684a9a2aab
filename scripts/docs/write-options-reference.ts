import { writeFileSync } from 'node:fs';
import { OPTIONS_REFERENCE, renderOptionsReference } from './options-reference.js';

// `npm run docs:options`, from the repository's root: rewrites docs/reference/options.md from the option interfaces.
writeFileSync(OPTIONS_REFERENCE, renderOptionsReference());
process.stdout.write(`wrote ${OPTIONS_REFERENCE}\n`);
