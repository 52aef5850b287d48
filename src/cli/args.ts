/** Argument parsers shared by the CLI's commands. */
import { InvalidArgumentError } from 'commander';

/** Parses a non-negative integer option (versions, counts, sizes). */
export function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a non-negative integer');
  return Number(value);
}

/** Parses a comma-separated list, dropping empty items; an empty list is a usage error. */
export function parseList(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('expected a comma-separated list');
  return items;
}
