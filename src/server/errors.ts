/**
 * The one error type domain code throws. Each code has a fixed tRPC code (and so HTTP status);
 * the API maps it in one place (server/api/error-shape.ts, for tRPC and the route handlers): the
 * tRPC code goes in `error.data.code`, this `code` in `error.data.appCode`.
 * Domain code never imports tRPC.
 */
export const appErrorCodes = {
  not_found: "NOT_FOUND",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  account_suspended: "FORBIDDEN",
  origin_not_allowed: "FORBIDDEN",
  session_required: "FORBIDDEN",
  conflict: "CONFLICT",
  turn_in_progress: "CONFLICT",
  restore_window_expired: "UNPROCESSABLE_CONTENT",
  invalid_input: "BAD_REQUEST",
  unprocessable: "UNPROCESSABLE_CONTENT",
  no_valid_tagged_agents: "UNPROCESSABLE_CONTENT",
  no_room_agents: "UNPROCESSABLE_CONTENT",
  context_budget_exceeded: "UNPROCESSABLE_CONTENT",
  insufficient_credits: "PAYMENT_REQUIRED",
  // A per-user daily or monthly credit cap an owner set (PRODUCT.md 9).
  user_cap_reached: "PAYMENT_REQUIRED",
  // The user's plan does not include a model the turn would call (PRODUCT.md 14).
  model_not_in_plan: "FORBIDDEN",
  admin_only: "FORBIDDEN",
  owner_only: "FORBIDDEN",
  model_unavailable: "UNPROCESSABLE_CONTENT",
  model_unpriced: "UNPROCESSABLE_CONTENT",
  builtin_protected: "UNPROCESSABLE_CONTENT",
  provider_unreachable: "BAD_GATEWAY",
  encryption_key_missing: "PRECONDITION_FAILED",
  // Uploads (PRODUCT.md 8).
  file_type_not_allowed: "UNSUPPORTED_MEDIA_TYPE",
  file_too_large: "PAYLOAD_TOO_LARGE",
  room_storage_full: "PAYLOAD_TOO_LARGE",
  // An archive (DOCX) whose contents would unpack past the limit: a decompression bomb.
  file_unpacks_too_large: "UNPROCESSABLE_CONTENT",
  rate_limited: "TOO_MANY_REQUESTS",
  // Payments (PRODUCT.md 14): this server has no Stripe keys, or Stripe refused or did not answer.
  payments_not_configured: "PRECONDITION_FAILED",
  payment_provider_error: "BAD_GATEWAY",
  worker_unavailable: "SERVICE_UNAVAILABLE",
  timeout: "TIMEOUT",
  internal: "INTERNAL_SERVER_ERROR",
} as const;

export type AppErrorCode = keyof typeof appErrorCodes;
export type TrpcErrorCode = (typeof appErrorCodes)[AppErrorCode];

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    /** Extra machine-readable facts for the client (e.g. `retryAfterSeconds`). */
    readonly details?: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "AppError";
  }

  get trpcCode(): TrpcErrorCode {
    return appErrorCodes[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
