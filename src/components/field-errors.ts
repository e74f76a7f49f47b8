/** The first message per field of a tRPC input error (the API flattens zod errors into `data.zodError`). */
export function fieldErrorsOf(error: { data?: { zodError?: { fieldErrors: Record<string, string[] | undefined> } | null } | null } | null | undefined): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {};
  for (const [field, messages] of Object.entries(error?.data?.zodError?.fieldErrors ?? {})) fields[field] = messages?.[0];
  return fields;
}
