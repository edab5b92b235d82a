// Code changes made because of this bench, and what each bought (measured before/after; static).
export const changes = [
  '### What changed in the code, and what it bought',
  '',
  '| Change | Before | After |',
  '|---|---|---|',
  '| One zod schema module per route (commit 00ccc1a): `contract/fields.ts`, `add-request.ts`, `list-query.ts` and a zod-free `error-codes.ts`; `schemas.ts` re-exports them. zod/mini schemas are built at module load and not tree-shaken, so every bundle carried (and built) every schema. | bundles add 432.4 / list 403.7 / delete 402.9 KB; import of the list and delete bundles 213.9 / 213.3 ms (median of 40 interleaved fresh processes; SDK-only baseline 165.8 ms in the same run) | add 422.3 / list 392.4 / delete 383.7 KB; import 187.5 / 180.1 ms |',
];
