/**
 * What a client sees of an error (PRODUCT.md section 10), decided in one place for the tRPC API
 * (trpc.ts: the appErrors middleware and the error formatter) and for route handlers outside tRPC
 * (`errorResponse`):
 * - `code` is tRPC's own code (`UNAUTHORIZED`, `NOT_FOUND`, …) with its HTTP status;
 * - `appCode` is the stable machine code: the AppError's code, `invalid_input` for a zod input
 *   error, else tRPC's code lower-cased;
 * - `details` are the AppError's facts (e.g. `retryAfterSeconds`), `zodError` the flattened input
 *   error.
 * AppError codes map to tRPC codes in server/errors.ts (domain code never imports tRPC).
 */
import { getTRPCErrorFromUnknown, TRPCError, type TRPC_ERROR_CODE_KEY } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { z, ZodError } from "zod";
import { isAppError, type AppErrorCode } from "../errors.ts";
import { logger } from "../logger.ts";

export type AppCode = AppErrorCode | Lowercase<TRPC_ERROR_CODE_KEY>;

export interface ErrorFacts {
  httpStatus: number;
  /** tRPC's own code. */
  code: TRPC_ERROR_CODE_KEY;
  /** The stable machine code. */
  appCode: AppCode;
  details: Record<string, unknown> | null;
  message: string;
  zodError: ReturnType<typeof z.flattenError> | null;
}

/** Anything thrown, as a tRPC error: an AppError becomes the tRPC error its code maps to. */
export function toTRPCError(error: unknown): TRPCError {
  if (isAppError(error)) return new TRPCError({ code: error.trpcCode, message: error.message, cause: error });
  return getTRPCErrorFromUnknown(error);
}

export function describeError(error: unknown): ErrorFacts {
  const trpcError = toTRPCError(error);
  const cause = trpcError.cause;
  // Only input errors are the caller's to fix; a ZodError from `.output()` is our bug (a 500).
  const zodError = trpcError.code === "BAD_REQUEST" && cause instanceof ZodError ? z.flattenError(cause) : null;
  const internal = trpcError.code === "INTERNAL_SERVER_ERROR";
  return {
    httpStatus: getHTTPStatusCodeFromError(trpcError),
    code: trpcError.code,
    appCode: isAppError(cause) ? cause.code : zodError ? "invalid_input" : (trpcError.code.toLowerCase() as Lowercase<TRPC_ERROR_CODE_KEY>),
    details: isAppError(cause) ? (cause.details ?? null) : null,
    // Internal error text (driver or SQL messages) stays in the server log in production.
    message: internal && process.env.NODE_ENV === "production" ? "Internal server error" : trpcError.message,
    zodError,
  };
}

/**
 * A route handler's JSON error: `{ error: { message, data: { code, httpStatus, appCode, details,
 * zodError } } }`, the fields of a tRPC error, so one reader serves both.
 */
export function errorResponse(error: unknown, route: string): Response {
  const { message, ...data } = describeError(error);
  if (data.code === "INTERNAL_SERVER_ERROR") logger.error({ err: error, route }, "route failed");
  const headers = new Headers({ "cache-control": "no-store" });
  const retryAfter = data.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") headers.set("retry-after", String(Math.ceil(retryAfter)));
  return Response.json({ error: { message, data } }, { status: data.httpStatus, headers });
}
