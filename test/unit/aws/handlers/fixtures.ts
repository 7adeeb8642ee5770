/** Loads the real-shaped AWS events in test/unit/aws/fixtures/ (shapes from the AWS documentation's example events). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', `${name}.json`), 'utf8')) as T;
}

/** A deep copy of a fixture with one change applied. */
export function altered(name: string, change: (event: Record<string, any>) => void): Record<string, unknown> {
  const event = fixture<Record<string, any>>(name);
  change(event);
  return event;
}
