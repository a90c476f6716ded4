/** Why the outbox refused or failed. Codes follow errno names so operators see familiar words. */
export type OutboxErrorCode = 'ENOSPC' | 'EIO' | 'EQUOTA' | 'EEXIST' | 'ENOENT' | 'ECORRUPT';

export class OutboxError extends Error {
  readonly code: OutboxErrorCode;

  constructor(code: OutboxErrorCode, message: string, options?: ErrorOptions) {
    super(`outbox: ${code}: ${message}`, options);
    this.name = 'OutboxError';
    this.code = code;
  }
}

/** Maps what node:sqlite threw to an outbox error; SQLite result codes from its documentation. */
export function fromSqliteError(error: unknown, doing: string): OutboxError {
  const sqlite = error as { errcode?: number; errstr?: string; code?: string; message?: string };
  const primary = (sqlite.errcode ?? -1) & 0xff;
  const detail = sqlite.errstr ?? sqlite.message ?? String(error);
  if (primary === 13) return new OutboxError('ENOSPC', `${doing}: disk full (${detail})`, { cause: error }); // SQLITE_FULL
  if (primary === 11 || primary === 26) return new OutboxError('ECORRUPT', `${doing}: database corrupt (${detail})`, { cause: error }); // CORRUPT, NOTADB
  if (primary === 14) return new OutboxError('EIO', `${doing}: cannot open the outbox files (${detail})`, { cause: error }); // SQLITE_CANTOPEN
  if (primary === 8) return new OutboxError('EIO', `${doing}: the outbox is read-only (${detail})`, { cause: error }); // SQLITE_READONLY
  if (primary === 19) return new OutboxError('EEXIST', `${doing}: already stored (${detail})`, { cause: error }); // CONSTRAINT
  return new OutboxError('EIO', `${doing}: ${detail}`, { cause: error });
}
