/** How the CLI prints: aligned columns for people, one JSON document for scripts (`--json`). */

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

export function formatTable<T>(rows: T[], columns: Column<T>[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => String(column.value(row) ?? "-")));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const render = (line: string[]) =>
    line
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [render(columns.map((column) => column.header)), ...cells.map(render)].join("\n");
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
