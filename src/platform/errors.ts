// Errors are values with stable codes; the HTTP layer turns them into `{"error":{code,message,details}}`.
// Messages live in the locale files (src/platform/i18n) keyed by the code, rendered in the caller's language.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    /** Values for the placeholders of the code's message, e.g. `{ field: 'email' }`. */
    readonly params: Record<string, string | number> = {},
    readonly details?: unknown,
  ) {
    super(code);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, params?: Record<string, string | number>, details?: unknown) =>
  new AppError(400, code, params, details);
export const notFound = (code: string, params?: Record<string, string | number>) => new AppError(404, code, params);
export const conflict = (code: string, params?: Record<string, string | number>, details?: unknown) =>
  new AppError(409, code, params, details);
export const unprocessable = (code: string, params?: Record<string, string | number>, details?: unknown) =>
  new AppError(422, code, params, details);
