// `npm run openapi`: writes the generated OpenAPI document to openapi.json at the repository root.
import { writeFileSync } from 'node:fs';
import { openApiJson } from '../functions/contract/openapi.ts';

const file = new URL('../openapi.json', import.meta.url);
writeFileSync(file, openApiJson());
console.log(`wrote ${file.pathname}`);
