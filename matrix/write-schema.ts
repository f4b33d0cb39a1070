// Writes matrix/config.schema.json from the zod schema (npm run schema). A test keeps it current.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from './config.js';

writeFileSync(new URL('./config.schema.json', import.meta.url), JSON.stringify(configJsonSchema(), null, 2) + '\n');
