/**
 * The analytics tables as CSV (RFC 4180): a header row, then one line per row, CRLF line ends.
 * Cells that start like a formula (=, +, -, @) are prefixed with an apostrophe, unless they are
 * numbers, so a spreadsheet opens them as text; negative margins stay numbers.
 */
export type Cell = string | number | null | undefined;

const NUMBER = /^-?\d+(\.\d+)?$/;

function cell(value: Cell): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && !NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(headers: string[], rows: Cell[][]): string {
  return [headers, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Saves `csv` as a file in the browser (no server round trip: the table is already here). */
export function downloadCsv(fileName: string, csv: string) {
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  URL.revokeObjectURL(url);
}
