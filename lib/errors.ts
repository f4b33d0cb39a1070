// One kind of error the CLI treats specially: a mistake the user can fix. It prints as one line
// (what, where, how to fix) and exits 2; anything else is a bug or a fault and exits 1.
export class UserError extends Error {
  constructor(
    message: string,
    readonly where?: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** The single line the CLI prints: each part bounded and printable, whatever the input echoed. */
  line(): string {
    return [this.where ? `${printable(this.where)}: ${printable(this.message)}` : printable(this.message), this.fix ? `fix: ${printable(this.fix)}` : '']
      .filter(Boolean)
      .join(' — ');
  }
}

/** The most characters of one part of an error line: an echoed value past it is cut with "…". */
export const partLimit = 500;

// C0 and C1 controls (newlines too: the line stays one line), and the bidirectional controls that
// make text display in another order than it is read (Trojan Source).
const unprintable = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text echoed from input made safe for one terminal line: controls escaped as \xNN or \uNNNN, cut at `max` characters. */
export function printable(s: string, max = partLimit): string {
  const chars = [...s];
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
  return cut.replace(unprintable, (c) => {
    const n = c.codePointAt(0)!;
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
