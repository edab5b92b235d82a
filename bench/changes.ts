// Code changes made because of this bench and what each bought. These are dated notes, measured
// once at the commit named (before/after, outside `npm run bench`); this run does not re-measure them.
export const changes = [
  '### What changed in the code, and what it bought (dated notes, not measured by this run)',
  '',
  '| Change | Measured at | Before | After |',
  '|---|---|---|---|',
  '| One zod schema module per route: `contract/fields.ts`, `add-request.ts`, `list-query.ts` and a zod-free `error-codes.ts`; `schemas.ts` re-exports them. zod/mini schemas are built at module load and not tree-shaken, so every bundle carried (and built) every schema. | commit 00ccc1a (notes added in d67fafe) | bundles add 432.4 / list 403.7 / delete 402.9 KB; import of the list and delete bundles 213.9 / 213.3 ms (median of 40 interleaved fresh processes; SDK-only baseline 165.8 ms in the same run) | add 422.3 / list 392.4 / delete 383.7 KB; import 187.5 / 180.1 ms |',
  "| Warm path, issue #9: UUIDv7 from `crypto.randomUUID` instead of a synchronous `randomBytes(16)`; the per-operation deadline as an AbortController and an unref'd timer instead of `AbortSignal.timeout`; one Powertools call per request with the request's keys on the line instead of `injectLambdaContext` + `appendKeys` + `resetKeys`; plain `JSON.parse` for bodies that cannot hold `__proto__`/`constructor` keys (middy's reviver parse otherwise); path templates split once; `parseServer` keeps its last answer. | code of d5a1d51 (before) and 6bc1637 (after), both measured with this bench's call-by-call interleaved warm method | add p50 ratio 1.51 and 1.52 (two runs of 4 rounds x 1,000 pairs) | add p50 ratio 1.30 in a full run at 6bc1637 (section 3 has this run's figure) |",
];
