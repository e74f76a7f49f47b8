import { fieldErrorsOf } from "@/components/field-errors.ts";

/** A tRPC client error as the forms read it. */
export interface FormError {
  message: string;
  data?: { appCode?: string; details?: unknown; zodError?: { fieldErrors: Record<string, string[] | undefined> } | null } | null;
}

/**
 * The message to show at each field: zod's input errors, and a domain error that names its field
 * (`details.field`, e.g. a provider name that is taken).
 */
export function fieldErrorsOfError(error: FormError | null | undefined): Record<string, string | undefined> {
  const fields = fieldErrorsOf(error);
  const details = error?.data?.details as { field?: unknown } | null | undefined;
  if (error && typeof details?.field === "string") fields[details.field] = error.message;
  return fields;
}

/** The message for the form as a whole: the error's own, unless it is already shown at the fields. */
export function formMessage(error: FormError | null | undefined, fields: Record<string, string | undefined>): string | null {
  if (!error) return null;
  return Object.values(fields).some(Boolean) ? "Check the fields above." : error.message;
}
