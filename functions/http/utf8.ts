// Request text must be valid Unicode: a password with invalid UTF-8 bytes or an unpaired surrogate
// would otherwise be stored with U+FFFD in their place, a broken credential saved without an error.
import { ValidationError, type FieldIssue } from '../core/errors.ts';

const strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8. Each byte of an invalid sequence becomes a lone surrogate (U+DC80-U+DCFF, as
 * Python's "surrogateescape" does) instead of U+FFFD, so after JSON parsing the well-formedness
 * check below names the field that held it.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let text = '';
    let start = 0;
    for (let i = 0; i < bytes.length; ) {
      const length = sequenceLength(bytes, i);
      if (length > 0) {
        i += length;
        continue;
      }
      text += strict.decode(bytes.subarray(start, i)) + String.fromCharCode(0xdc00 | (bytes[i] ?? 0));
      start = ++i;
    }
    return text + strict.decode(bytes.subarray(start));
  }
}

// The length of the valid UTF-8 sequence at i (RFC 3629: no overlongs, surrogates or > U+10FFFF), or 0.
function sequenceLength(bytes: Uint8Array, i: number): number {
  const first = bytes[i] ?? 0;
  if (first < 0x80) return 1;
  const [length, low, high] =
    first >= 0xc2 && first <= 0xdf ? [2, 0x80, 0xbf]
    : first === 0xe0 ? [3, 0xa0, 0xbf]
    : first === 0xed ? [3, 0x80, 0x9f]
    : first >= 0xe1 && first <= 0xef ? [3, 0x80, 0xbf]
    : first === 0xf0 ? [4, 0x90, 0xbf]
    : first >= 0xf1 && first <= 0xf3 ? [4, 0x80, 0xbf]
    : first === 0xf4 ? [4, 0x80, 0x8f]
    : [0, 0, 0];
  if (length === 0 || i + length > bytes.length) return 0;
  const second = bytes[i + 1] ?? 0;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) {
    const next = bytes[i + k] ?? 0;
    if (next < 0x80 || next > 0xbf) return 0;
  }
  return length;
}

/** Throws a 400 naming every string field (and `body` for a key) that is not well-formed UTF-16. */
export function assertWellFormed(value: unknown): void {
  const issues: FieldIssue[] = [];
  collect(value, issues);
  if (issues.length > 0) {
    throw new ValidationError(`Invalid request: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}.`, issues);
  }
}

const notText = 'must be valid UTF-8 text (no invalid bytes or unpaired surrogates)';

interface PathNode {
  readonly key: string;
  readonly parent: PathNode | undefined;
}

const pathOf = (node: PathNode | undefined): string => {
  const keys: string[] = [];
  for (let n = node; n; n = n.parent) keys.unshift(n.key);
  return keys.join('.') || 'body';
};

// Iterative, with parent links for the path: a body may nest thousands of levels deep (16 KiB of
// `[`), which a recursive walk would answer with a stack overflow (a 500) instead of a 400.
const badKey = Symbol('a key that is not well-formed');

function collect(root: unknown, issues: FieldIssue[]): void {
  const stack: [unknown, PathNode | undefined][] = [[root, undefined]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [value, node] = next;
    if (value === badKey) {
      issues.push({ path: pathOf(node), message: `has a key that ${notText}` });
    } else if (typeof value === 'string') {
      if (!value.isWellFormed()) issues.push({ path: pathOf(node), message: notText });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], { key: String(i), parent: node }]);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value).reverse()) {
        stack.push(key.isWellFormed() ? [item, { key, parent: node }] : [badKey, node]);
      }
    }
  }
}
