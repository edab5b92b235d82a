// The seed CLI's list: `ID  SERVER  USERNAME  EMAIL`, plus its successor's STATUS (the last registry
// check, `-` when never checked); left-aligned columns, three spaces apart.
import type { Credential } from '../functions/contract/schemas.ts';

export const columns = ['ID', 'SERVER', 'USERNAME', 'EMAIL', 'STATUS'] as const;
const gap = '   ';

export function credentialTable(items: readonly Credential[]): string {
  const rows = [
    [...columns],
    ...items.map((item) => [item.id, item.server, item.username ?? '', item.email ?? '', item.status ?? '-']),
  ];
  const widths = columns.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(gap)
      .trimEnd(),
  );
  return `${lines.join('\n')}\n`;
}
