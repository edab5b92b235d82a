// What the CLI prints can come from the server (error messages, stored servers and usernames). A
// hostile or broken endpoint must not drive the terminal: escape sequences (colours, cursor moves,
// window titles, OSC 52 clipboard writes), carriage returns that overwrite a line, C1 controls and
// bidirectional overrides that reorder what is shown are removed before anything is written.

// ESC followed by a CSI sequence, an OSC/DCS/APC string (to BEL or ST), or a single character.
const escapeSequence = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -~]?)/g;
// C0 controls other than tab and newline, DEL, C1 controls, and the bidi controls of Unicode TR9.
const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// The same set without C0 (JSON.stringify already escapes those): escaped in JSON output instead.
const jsonUnsafe = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to write to a terminal: escape sequences dropped, other controls shown as U+FFFD. */
export function terminalSafe(text: string): string {
  return text.replace(escapeSequence, '').replace(controls, '\ufffd');
}

/** JSON for a terminal: the same value when parsed, with every control character \u-escaped. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(jsonUnsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
