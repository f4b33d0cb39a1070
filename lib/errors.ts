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

  /** The single line the CLI prints. */
  line(): string {
    return [this.where ? `${this.where}: ${this.message}` : this.message, this.fix ? `fix: ${this.fix}` : '']
      .filter(Boolean)
      .join(' — ');
  }
}
