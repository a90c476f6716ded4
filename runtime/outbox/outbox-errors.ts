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

/** Maps a file-system error of a package file to an outbox error, errno names kept in the text. */
export function fromFsError(error: unknown, doing: string): OutboxError {
  const code = (error as NodeJS.ErrnoException).code;
  const detail = (error as Error).message ?? String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new OutboxError('ENOSPC', `${doing}: disk full (${detail})`, { cause: error });
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return new OutboxError('EIO', `${doing}: the outbox is read-only (${detail})`, { cause: error });
  if (code === 'ENOENT') return new OutboxError('ENOENT', `${doing}: file missing (${detail})`, { cause: error });
  return new OutboxError('EIO', `${doing}: ${detail}`, { cause: error });
}
