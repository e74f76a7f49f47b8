/** A header cell: its text, or its text and `num` for a right-aligned number column. */
export type Column = string | { label: string; num: true };

/**
 * The header row of a `list` table. `actions` adds a last column for the rows' buttons, named
 * "Actions" for screen readers only.
 */
export function TableHead(props: { columns: Column[]; actions?: boolean }) {
  return (
    <thead>
      <tr>
        {props.columns.map((column) =>
          typeof column === "string" ? (
            <th key={column} scope="col">
              {column}
            </th>
          ) : (
            <th key={column.label} scope="col" className="num">
              {column.label}
            </th>
          ),
        )}
        {props.actions && (
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        )}
      </tr>
    </thead>
  );
}
