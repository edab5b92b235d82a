// JSON as Go's encoding/json writes it (what docker's credential helpers and the kubelet's own
// plugins print): compact, with `<`, `>`, `&`, U+2028 and U+2029 escaped.
// Map keys come out sorted, as Go sorts them; struct fields keep the order they are given in.

const goEscapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** json.Marshal's bytes. */
export function goMarshal(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => goEscapes[c] ?? c);
}

/** json.NewEncoder(os.Stdout).Encode's bytes: Marshal's plus a newline. */
export function goJson(value: unknown): string {
  return `${goMarshal(value)}\n`;
}

/** A copy of a string map with its keys in Go's (byte-wise) order. */
export function sortedMap<T>(map: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
